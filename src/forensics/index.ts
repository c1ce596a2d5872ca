export { attachForensics, forensicsDefaults, MAIN_JOURNAL, SERVED_JOURNAL, STATE_FILE } from './forensics.js';
export type { Forensics, ForensicsOptions } from './forensics.js';
export { LivenessJournal } from './journal.js';
export type { LivenessRecord } from './journal.js';
export { describeTermination, judge } from './verdict.js';
export type { PreviousState, PreviousTermination, TerminationCause } from './verdict.js';
