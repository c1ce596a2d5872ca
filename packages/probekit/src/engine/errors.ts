/** A check run took longer than its `timeoutMs`. */
export class CheckTimeoutError extends Error {
  override readonly name = 'CheckTimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`timed out after ${formatMs(timeoutMs)}`);
    this.timeoutMs = timeoutMs;
  }
}

/** The health engine was closed while something waited on it. */
export class HealthClosedError extends Error {
  override readonly name = 'HealthClosedError';
  constructor(message = 'health was closed') {
    super(message);
  }
}

/** `5 ms`, `500 ms`, `1.5 s`, `12 s`, `3m12s`, `3h12m`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(Math.round(ms / 100) / 10).toString()} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${(s % 60).toString().padStart(2, '0')}s`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)}h${(m % 60).toString().padStart(2, '0')}m`;
}

/** Turns anything thrown into an Error, as p-retry does for non-errors. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  return new Error(`Non-error was thrown: ${shown}`, { cause: value });
}
