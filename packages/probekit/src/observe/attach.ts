import type { HealthEngine } from '../engine/engine.js';
import { toLogFn, type LogFields, type LoggerLike, type LoggerStyle } from './logger.js';
import { phaseLine, shutdownLine, startedLine, transitionLine, type LogLine } from './lines.js';

/** Options of `attachLogger()`. */
export interface AttachLoggerOptions {
  /** How the logger takes its arguments. @default detected: pino/bunyan object-first, console/winston message-first */
  readonly style?: LoggerStyle;
}

/** The handle returned by `attachLogger()`. */
export interface HealthLogger {
  /** Logs one line (used by shutdown and forensics for their own lines). */
  log(line: LogLine): void;
  /** Logs a shutdown phase, e.g. `logger.phase('drain', { delayMs: 5000 })`. */
  phase(phase: string, fields?: LogFields, message?: string): void;
  /** Stops logging. */
  detach(): void;
}

/**
 * Logs one line per state change of `engine` — a check's transition, startup complete, shutdown
 * begun — never one per probe request. A logger that throws never breaks the engine.
 */
export function attachLogger(engine: HealthEngine, logger: LoggerLike, options: AttachLoggerOptions = {}): HealthLogger {
  const fn = toLogFn(logger, options.style);
  let attached = true;
  const log = (line: LogLine): void => {
    if (!attached) return;
    try {
      fn(line.level, line.message, line.fields);
    } catch {
      // A broken logger must not turn a health transition into a crash.
    }
  };
  const offs = [
    engine.on('transition', (event) => log(transitionLine(event))),
    engine.on('started', (event) => log(startedLine(event))),
    engine.on('shutdown', () => log(shutdownLine())),
  ];
  return {
    log,
    phase: (phase, fields, message) => log(phaseLine(phase, fields, message)),
    detach() {
      attached = false;
      for (const off of offs) off();
    },
  };
}
