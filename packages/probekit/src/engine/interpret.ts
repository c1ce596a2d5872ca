import type { CheckDetails } from './types.js';
import { toError } from './errors.js';

export type Interpreted = { readonly ok: true; readonly details?: CheckDetails } | { readonly ok: false; readonly reason: string; readonly timedOut?: true };

const DETAIL_KEYS = ['observedValue', 'observedUnit', 'measurement', 'componentType', 'output'] as const;

/**
 * What a resolved value means. Any value passes (a pg `Result`, ioredis' `'PONG'`), except `false`
 * and a resolved `Error`, which fail; known detail fields are taken when their types are right and
 * make the run fail with a clear reason when they are not.
 */
export function interpretResolved(value: unknown): Interpreted {
  try {
    return interpretValue(value);
  } catch (error) {
    // A revoked Proxy throws on `instanceof` and `Array.isArray` alike.
    return { ok: false, reason: `check returned a value that could not be read: ${reasonOf(error)}` };
  }
}

function interpretValue(value: unknown): Interpreted {
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
    return { ok: false, reason: `check returned a value that could not be read: ${reasonOf(error)}` };
  }
  return Object.keys(details).length === 0 ? { ok: true } : { ok: true, details: Object.freeze(details) as CheckDetails };
}

function invalid(key: string, expected: string, got: unknown): Interpreted {
  const shown = got === null ? 'null' : typeof got === 'number' ? String(got) : typeof got;
  return { ok: false, reason: `check returned invalid details: \`${key}\` must be ${expected}, got ${shown}` };
}

/** The longest reason kept, in UTF-16 code units. */
const MAX_REASON = 300;

/**
 * A one-line reason from anything a check threw, rejected with or resolved to. Never throws:
 * a message that is not a string, a getter that throws or a revoked Proxy all give a reason.
 */
export function reasonOf(value: unknown): string {
  try {
    return errorReason(toError(value));
  } catch {
    // NOTE: even `Object.prototype.toString` throws on a revoked Proxy; nothing of it can be shown.
    return 'check failed with a value that cannot be read';
  }
}

/** A one-line reason from an error; AggregateError (Node's happy-eyeballs connect) often has an empty message. */
export function errorReason(error: Error, depth = 0): string {
  let message = textOf(error.message);
  if (!message && depth < 3 && error instanceof AggregateError && Array.isArray(error.errors) && error.errors.length > 0) {
    message = errorReason(toError(error.errors[0]), depth + 1);
  }
  if (!message) {
    const code = (error as { code?: unknown }).code;
    message = typeof code === 'string' && code !== '' ? code : textOf(error.name) || 'failed without a message';
  }
  const newline = message.indexOf('\n');
  const firstLine = newline < 0 ? message : message.slice(0, newline);
  return firstLine.length > MAX_REASON ? `${firstLine.slice(0, MAX_REASON - 3)}...` : firstLine;
}

/** A message or name as text: a string as is, a number or boolean shown, anything else dropped. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}
