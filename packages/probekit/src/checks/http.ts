/** HTTP readiness check via the global fetch: expected status codes and an optional body predicate. */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError, abortReason, raceAbort, responseTime, wrapError } from './shared.js';

/** Options of `httpCheck()`. */
export interface HttpCheckOptions {
  /** Request method. @default 'GET' */
  readonly method?: string;
  /** Request headers. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** Status codes that pass: a list, or a predicate. @default 200-399 (what the kubelet accepts) */
  readonly expectedStatus?: readonly number[] | ((status: number) => boolean);
  /**
   * Reads the body (at most `maxBodyBytes`) and passes only if this returns true, or, for a string,
   * if the body contains it. @default undefined (the body is not read; it is cancelled)
   */
  readonly expectBody?: string | ((body: string) => boolean);
  /** The most body bytes read for `expectBody`. @default 65536 */
  readonly maxBodyBytes?: number;
}

export const httpCheckDefaults = {
  method: 'GET',
  headers: {},
  expectedStatus: (status: number) => status >= 200 && status < 400,
  maxBodyBytes: 65_536,
} satisfies Required<Omit<HttpCheckOptions, 'expectBody'>>;

const KIND = 'http';

/**
 * A readiness check that fetches `url` with the run's signal. The response body is always consumed
 * or cancelled, so the connection returns to fetch's pool and no socket leaks across runs.
 */
export function httpCheck(url: string | URL, options: HttpCheckOptions = {}): CheckDefinition {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError(`Expected \`url\` to be an absolute URL, got \`${v.describe(String(url))}\``);
  }
  v.plainObject('options', options);
  v.knownKeys('httpCheck() options', options, ['method', 'headers', 'expectedStatus', 'expectBody', 'maxBodyBytes']);
  const method = v.string('method', options.method ?? httpCheckDefaults.method);
  const headers = { ...v.plainObject('headers', options.headers ?? httpCheckDefaults.headers) } as Record<string, string>;
  const expected = options.expectedStatus ?? httpCheckDefaults.expectedStatus;
  let statusOk: (status: number) => boolean;
  let statusText: string;
  if (typeof expected === 'function') {
    statusOk = expected;
    statusText = options.expectedStatus === undefined ? '200-399' : 'accepted by expectedStatus';
  } else if (Array.isArray(expected) && expected.length > 0 && expected.every((s) => Number.isInteger(s))) {
    statusOk = (status) => expected.includes(status);
    statusText = expected.join(', ');
  } else {
    throw new TypeError(`Expected \`expectedStatus\` to be a non-empty array of status codes or a function, got \`${v.describe(expected)}\``);
  }
  const expectBody = options.expectBody;
  if (expectBody !== undefined && typeof expectBody !== 'string' && typeof expectBody !== 'function') {
    throw new TypeError(`Expected \`expectBody\` to be a string or a function, got \`${v.describe(expectBody)}\``);
  }
  const maxBodyBytes = v.positiveInteger('maxBodyBytes', options.maxBodyBytes ?? httpCheckDefaults.maxBodyBytes);

  const check = async (signal: AbortSignal) => {
    const startedAt = performance.now();
    let response: Response;
    try {
      response = await fetch(target, { method, headers, signal, redirect: 'follow' });
    } catch (error) {
      throw fetchError(signal, error);
    }
    try {
      if (!statusOk(response.status)) {
        throw new DependencyCheckError(KIND, `${method} ${target.href} answered ${response.status}, expected ${statusText}`);
      }
      if (expectBody !== undefined) {
        const body = await raceAbort(KIND, signal, readText(response, maxBodyBytes));
        const ok = typeof expectBody === 'string' ? body.includes(expectBody) : expectBody(body);
        if (ok !== true) {
          throw new DependencyCheckError(KIND, `${method} ${target.href} answered ${response.status} but the body did not match`);
        }
      }
      return responseTime(startedAt, 'component', `${response.status}`);
    } catch (error) {
      throw error instanceof DependencyCheckError ? error : fetchError(signal, error);
    } finally {
      // NOTE: an unread body pins its connection; cancelling frees it for the next run.
      if (!response.bodyUsed) await response.body?.cancel().catch(() => {});
    }
  };

  return Object.freeze({ check, dependency: true, componentType: 'component' });
}

/** fetch() says only "fetch failed"; the reason (ECONNREFUSED, …) is in its cause. */
function fetchError(signal: AbortSignal, error: unknown): DependencyCheckError {
  if (signal.aborted) return new DependencyCheckError(KIND, abortReason(signal), { cause: error });
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof TypeError && error.message === 'fetch failed' && cause !== undefined) return wrapError(KIND, cause);
  return wrapError(KIND, error);
}

async function readText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}
