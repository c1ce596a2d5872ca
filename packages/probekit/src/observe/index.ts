// The public entry `probekit/observe`. Usually configured with `createHealth({ logger })`.
export { attachLogger } from './attach.js';
export type { AttachLoggerOptions, HealthLogger } from './attach.js';
export type { LogFields, LoggerLike, LoggerStyle, LogLevel } from './logger.js';
export type { LogLine } from './lines.js';
