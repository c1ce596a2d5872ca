// The public entry `probekit/forensics`. Usually configured with `createHealth({ forensics })`;
// attachForensics() is for an engine you serve yourself (it records the main thread's verdict only).
export { attachForensics, forensicsDefaults } from './forensics.js';
export type { Forensics, ForensicsOptions } from './forensics.js';
export { describeTermination } from './verdict.js';
export type { PreviousTermination, TerminationCause } from './verdict.js';
