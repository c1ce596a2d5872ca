/** Levels probekit logs at. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields that go with a line (pino/bunyan get them as the first argument). */
export type LogFields = Readonly<Record<string, unknown>>;

/** Anything with level methods: `console`, pino, bunyan, winston, a test double. */
export type LoggerLike = { readonly [L in LogLevel]?: (...args: never[]) => unknown };

/** How to call the logger: `'object-first'` is pino/bunyan `(fields, msg)`, `'message-first'` is console/winston `(msg, fields?)`. */
export type LoggerStyle = 'object-first' | 'message-first';

/** A normalised log function: one line, its level and its fields. */
export type LogFn = (level: LogLevel, message: string, fields: LogFields) => void;

/**
 * pino and bunyan take `(fields, message)`; they are told apart from console and winston by a
 * `child()` method without winston's `transports`. `console` gets the message only (its second
 * argument would print an object dump on the same line).
 */
export function detectStyle(logger: LoggerLike): LoggerStyle {
  const l = logger as Record<string, unknown>;
  return typeof l['child'] === 'function' && !('transports' in l) ? 'object-first' : 'message-first';
}

/** Adapts a logger; a missing level falls back to the nearest one it has (debug→info, warn→error→info). */
export function toLogFn(logger: LoggerLike, style: LoggerStyle = detectStyle(logger)): LogFn {
  if (logger === null || typeof logger !== 'object' || !(['info', 'warn', 'error', 'debug'] as const).some((l) => typeof logger[l] === 'function')) {
    throw new TypeError(`Expected \`logger\` to be an object with \`info\`/\`warn\`/\`error\` methods (console, pino, …), got \`${describeNonLogger(logger)}\``);
  }
  const isConsole = logger === (globalThis.console as unknown);
  const fallbacks: Record<LogLevel, readonly LogLevel[]> = { debug: ['debug', 'info'], info: ['info', 'warn'], warn: ['warn', 'error', 'info'], error: ['error', 'warn', 'info'] };
  return (level, message, fields) => {
    const name = fallbacks[level].find((l) => typeof logger[l] === 'function');
    if (!name) return;
    const method = (logger[name] as (...args: unknown[]) => unknown).bind(logger);
    if (style === 'object-first') method(fields, message);
    else if (isConsole || Object.keys(fields).length === 0) method(message);
    else method(message, fields);
  };
}

/** What a value that is not a logger is, for the TypeError. */
function describeNonLogger(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  return value === null ? 'null' : typeof value === 'object' ? 'an object without log methods' : String(value);
}
