import type { IncomingMessage, ServerResponse } from 'node:http';
import { sameLines } from '../engine/evaluate.js';
import type { HealthSnapshot } from '../engine/types.js';
import { requestCounterIndex } from './request-counters.js';
import { render, type ProbeRequest } from './render.js';
import { loopWithinBounds } from './renderer.js';
import { ENDPOINTS } from './endpoints.js';

/** One answer rendered ahead of the requests it serves: what `writeHead` and `end` take. */
export interface Prerendered {
  readonly status: number;
  /** `[name, value, name, value, …]`, the raw form node:http takes as is. */
  readonly headers: readonly string[];
  readonly body: string;
  /** The request it answers, for whoever records served answers. */
  readonly request: ProbeRequest;
  /** The answer's slot in the request counters (`requestCounterIndex`). */
  readonly counter: number;
}

// The slots: each probe path with GET, then HEAD.
const REQUESTS: readonly ProbeRequest[] = ENDPOINTS.flatMap(({ path: url }) => [
  { method: 'GET', url },
  { method: 'HEAD', url },
]);
/** Probe path → its GET slot (HEAD is the next one). */
const GET_SLOT: ReadonlyMap<string, number> = new Map(ENDPOINTS.map((e, i) => [e.path, i * 2]));

/** The slot of GET or HEAD of a probe path without a query, or -1. */
export function slotFor(method: string | undefined, url: string | undefined): number {
  const slot = url === undefined ? undefined : GET_SLOT.get(url);
  if (slot === undefined) return -1;
  if (method === 'GET') return slot;
  return method === 'HEAD' ? slot + 1 : -1;
}

/**
 * The slot of a plain probe request — GET or HEAD of `/livez`, `/readyz`, `/startupz` or `/healthz`,
 * no query, text, no token to check — or -1 when it needs the full renderer. That is every request
 * the kubelet sends (`Accept: *\/*`, no Authorization).
 */
export function prerenderedSlot(req: IncomingMessage, detailsToken: string | undefined): number {
  const slot = slotFor(req.method, req.url);
  if (slot < 0) return -1;
  // Scanned in the raw list: reading `req.headers` makes node:http build the headers object, a
  // measurable part of a request that needs nothing else from it.
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 6) {
      // The same test as wantsJson's first: a JSON type needs the JSON body. Repeated Accept
      // headers are joined by node:http, which contains 'json' exactly when one of them does.
      if (isName(name, 'Accept', 'accept') && raw[i + 1]!.toLowerCase().includes('json')) return -1;
    } else if (name.length === 13 && detailsToken !== undefined && isName(name, 'Authorization', 'authorization')) {
      return -1;
    }
  }
  return slot;
}

function isName(name: string, canonical: string, lower: string): boolean {
  return name === canonical || name === lower || name.toLowerCase() === lower;
}

/**
 * The anonymous text answers of the probe paths, rendered once per snapshot and reused for the
 * next snapshot when it gives every probe the same lines (`sameLines`: only run counts and times
 * moved, the common case). Served only while the loop is within the snapshot's bounds
 * (`loopWithinBounds`): then these answers do not depend on the time or the loop state.
 */
export class PrerenderedProbes {
  readonly #now: () => number;
  readonly #answers: (Prerendered | undefined)[] = REQUESTS.map(() => undefined);
  #for: HealthSnapshot | undefined;

  /** `now` is read only while rendering. */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** The answer in `slot` (from `prerenderedSlot`) for `snapshot`, rendered on first use. */
  answer(slot: number, snapshot: HealthSnapshot, loopBlockedMs: number): Prerendered {
    if (snapshot !== this.#for) {
      if (this.#for === undefined || !sameLines(this.#for, snapshot)) this.#answers.fill(undefined);
      this.#for = snapshot;
    }
    return (this.#answers[slot] ??= prerender(REQUESTS[slot]!, snapshot, loopBlockedMs, this.#now()));
  }

  /**
   * Writes the answer in `slot` when the loop is within the snapshot's bounds and returns it;
   * `undefined` (nothing written) when the full renderer must answer.
   */
  serve(res: ServerResponse, slot: number, snapshot: HealthSnapshot, loopBlockedMs: number): Prerendered | undefined {
    if (!loopWithinBounds(snapshot, loopBlockedMs)) return undefined;
    const answer = this.answer(slot, snapshot, loopBlockedMs);
    writePrerendered(res, answer);
    return answer;
  }
}

function prerender(request: ProbeRequest, snapshot: HealthSnapshot, loopBlockedMs: number, now: number): Prerendered {
  const response = render(snapshot, request, { now, loopBlockedMs });
  const headers: string[] = [];
  for (const name of Object.keys(response.headers)) headers.push(name, response.headers[name]!);
  return { status: response.status, headers, body: response.body, request, counter: requestCounterIndex(request.url, response.status) };
}

/** Writes a pre-rendered answer. */
function writePrerendered(res: ServerResponse, answer: Prerendered): void {
  res.writeHead(answer.status, answer.headers as string[]);
  res.end(answer.body);
}
