/** Helpers the built-in checks share. Internal: not a public API. */
import { reasonOf } from '../engine/interpret.js';
import type { CheckDetails } from '../engine/types.js';

/** An Error whose message starts with the check's kind, keeping the original as `cause`. */
export class DependencyCheckError extends Error {
  override readonly name = 'DependencyCheckError';
  readonly kind: string;
  constructor(kind: string, message: string, options?: { cause?: unknown }) {
    super(`${kind}: ${message}`, options);
    this.kind = kind;
  }
}

/** Wraps anything thrown by a client into a one-line `<kind>: <reason>` error. */
export function wrapError(kind: string, error: unknown): DependencyCheckError {
  if (error instanceof DependencyCheckError) return error;
  return new DependencyCheckError(kind, reasonOf(error), { cause: error });
}

/** The reason an AbortSignal fired, as one line. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) {
    // AbortSignal.timeout() aborts with a DOMException named TimeoutError.
    if (reason.name === 'TimeoutError' && reason.constructor.name === 'DOMException') return 'timed out (signal aborted)';
    return reason.message || reason.name;
  }
  return reason === undefined ? 'aborted' : String(reason);
}

/**
 * Settles with `work`, or rejects as soon as `signal` aborts. `onAbort` must release whatever the
 * work holds, because a race alone leaves it running. The listener is removed in every case.
 */
export function raceAbort<T>(kind: string, signal: AbortSignal, work: Promise<T>, onAbort?: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort?.();
    work.catch(() => {});
    return Promise.reject(new DependencyCheckError(kind, abortReason(signal), { cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      work.catch(() => {});
      try {
        onAbort?.();
      } finally {
        reject(new DependencyCheckError(kind, abortReason(signal), { cause: signal.reason }));
      }
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(wrapError(kind, error));
      },
    );
  });
}

/** Milliseconds with a tenth of a millisecond, for `observedValue`. */
export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}

/** The details of a round trip. */
export function responseTime(startedAt: number, componentType: string, output?: string): CheckDetails {
  return {
    observedValue: elapsedMs(startedAt),
    observedUnit: 'ms',
    measurement: 'responseTime',
    componentType,
    ...(output === undefined ? {} : { output }),
  };
}

/** Throws a `TypeError` naming the parameter unless `value` has every listed method. */
export function assertClient(what: string, value: unknown, methods: readonly string[], hint: string): void {
  const missing =
    value === null || (typeof value !== 'object' && typeof value !== 'function')
      ? methods
      : methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`Expected \`${what}\` to be ${hint}, got \`${describeClient(value)}\` (missing ${missing.map((m) => `\`${m}()\``).join(', ')})`);
  }
}

function describeClient(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (name === 'Object') return 'a plain object';
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object';
}
