import type { CheckDetails } from './types.js';
import { toError } from './errors.js';

export type Interpreted = { readonly ok: true; readonly details?: CheckDetails } | { readonly ok: false; readonly reason: string };

const DETAIL_KEYS = ['observedValue', 'observedUnit', 'measurement', 'componentType', 'output'] as const;

/**
 * What a resolved value means. Any value passes (a pg `Result`, ioredis' `'PONG'`), except `false`
 * and a resolved `Error`, which fail; known detail fields are taken when their types are right and
 * make the run fail with a clear reason when they are not.
 */
export function interpretResolved(value: unknown): Interpreted {
  if (value === false) return { ok: false, reason: 'check returned false' };
  if (value instanceof Error) return { ok: false, reason: errorReason(value) };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: true };
  const details: Record<string, unknown> = {};
  try {
    for (const key of DETAIL_KEYS) {
      const field: unknown = (value as Record<string, unknown>)[key];
      if (field === undefined) continue;
      if (key === 'observedValue') {
        const valid =
          (typeof field === 'number' && Number.isFinite(field)) || typeof field === 'string' || typeof field === 'boolean';
        if (!valid) return invalid(key, 'a finite number, a string or a boolean', field);
      } else if (typeof field !== 'string') {
        return invalid(key, 'a string', field);
      }
      details[key] = field;
    }
  } catch (error) {
    return { ok: false, reason: `check returned a value that could not be read: ${errorReason(toError(error))}` };
  }
  return Object.keys(details).length === 0 ? { ok: true } : { ok: true, details: Object.freeze(details) as CheckDetails };
}

function invalid(key: string, expected: string, got: unknown): Interpreted {
  const shown = got === null ? 'null' : typeof got === 'number' ? String(got) : typeof got;
  return { ok: false, reason: `check returned invalid details: \`${key}\` must be ${expected}, got ${shown}` };
}

/** A one-line reason from an error; AggregateError (Node's happy-eyeballs connect) often has an empty message. */
export function errorReason(error: Error): string {
  let message = error.message;
  if (!message && error instanceof AggregateError && error.errors.length > 0) {
    message = errorReason(toError(error.errors[0]));
  }
  if (!message) {
    const code = (error as { code?: unknown }).code;
    message = typeof code === 'string' ? code : error.name || 'failed without a message';
  }
  const firstLine = message.split('\n', 1)[0] ?? message;
  return firstLine.length > 300 ? `${firstLine.slice(0, 297)}...` : firstLine;
}
