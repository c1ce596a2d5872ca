export { attachLogger } from './attach.js';
export type { AttachLoggerOptions, HealthLogger } from './attach.js';
export { detectStyle, toLogFn } from './logger.js';
export type { LogFields, LogFn, LoggerLike, LoggerStyle, LogLevel } from './logger.js';
export { phaseLine, shutdownLine, startedLine, transitionLine } from './lines.js';
export type { LogLine } from './lines.js';
