import type { ProbeRequest, ProbeResponse } from '../http/render.js';
import type { HealthSnapshot } from '../engine/types.js';
import { CONTENT_TYPES, formatFor, renderExposition } from './exposition.js';
import type { MetricFamily, Sample } from './model.js';
import { snapshotFamilies } from './snapshot-families.js';

/** The parts of a request `/metrics` depends on (a `ProbeRequest` fits). */
export type MetricsRequest = Pick<ProbeRequest, 'method' | 'url' | 'accept'>;

/** `/metrics` answers in the same shape as a probe. */
export type MetricsResponse = ProbeResponse;

/** What the answer depends on besides the request: the thread serving it knows these. */
export interface MetricsContext {
  readonly snapshot: HealthSnapshot;
  readonly loopBlockedMs: number;
}

export const METRICS_PATH = '/metrics';

/** The request-target is `/metrics`, with or without a query. */
export function isMetricsPath(url: string): boolean {
  return url.startsWith(METRICS_PATH) && (url.length === METRICS_PATH.length || url.charCodeAt(METRICS_PATH.length) === 0x3f); // '?'
}

/** Requests served, by probe label and status code. */
export interface RequestCount {
  readonly probe: string;
  readonly code: string;
  readonly count: number;
}

const PROBE_LABELS: Readonly<Record<string, string>> = { '/livez': 'livez', '/readyz': 'readyz', '/startupz': 'startupz', '/healthz': 'healthz', '/metrics': 'metrics' };

/** The `probe` label of a request path: per-check paths count under their probe, anything else is `other`. */
export function probeLabel(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const slash = path.indexOf('/', 1);
  return PROBE_LABELS[slash < 0 ? path : path.slice(0, slash)] ?? 'other';
}

// The counters every probe server can produce sit in one fixed array, label-major, so counting a
// request on the hot path is an increment at an index computed once per pre-rendered answer.
const COUNTED_LABELS = ['livez', 'readyz', 'startupz', 'healthz', 'metrics', 'other'] as const;
const COUNTED_CODES = [200, 404, 405, 503] as const;
const LABEL_INDEX: Readonly<Record<string, number>> = Object.fromEntries(COUNTED_LABELS.map((label, i) => [label, i]));

/** The slot of a (path, status) pair in the fixed counters, or -1 for a status outside them. */
export function requestCounterIndex(url: string, status: number): number {
  const code = (COUNTED_CODES as readonly number[]).indexOf(status);
  if (code < 0) return -1;
  return LABEL_INDEX[probeLabel(url)]! * COUNTED_CODES.length + code;
}

/**
 * `/metrics` for a probe server, on whichever thread serves it: counts the requests that thread
 * serves and renders them with the snapshot's series and the main thread's accumulated ones
 * (`mainFamilies`, which the worker receives by message).
 */
export class MetricsEndpoint {
  readonly #mainFamilies: () => readonly MetricFamily[];
  readonly #counts = new Float64Array(COUNTED_LABELS.length * COUNTED_CODES.length);
  /** Statuses outside the fixed codes (only a custom server passes them), by `probe code`. */
  readonly #otherCounts = new Map<string, { readonly probe: string; readonly code: string; count: number }>();
  #remote: readonly RequestCount[] = [];
  #total = 0;

  constructor(mainFamilies: () => readonly MetricFamily[]) {
    this.#mainFamilies = mainFamilies;
  }

  /** Counts one served request. Call it after answering, with the status sent. */
  countRequest(url: string, status: number): void {
    this.#total += 1;
    const index = requestCounterIndex(url, status);
    if (index >= 0) {
      this.#counts[index]! += 1;
      return;
    }
    const probe = probeLabel(url);
    const code = String(status);
    const key = `${probe} ${code}`;
    const entry = this.#otherCounts.get(key);
    if (entry) entry.count += 1;
    else this.#otherCounts.set(key, { probe, code, count: 1 });
  }

  /** Counts one served request by its slot from `requestCounterIndex` (not -1): the hot path's way. */
  countAt(index: number): void {
    this.#total += 1;
    this.#counts[index]! += 1;
  }

  /** How many requests were counted here: a worker posts its counts only when this moved. */
  get total(): number {
    return this.#total;
  }

  /** The requests counted here, as plain data (a worker posts them to the main thread for prom-client). */
  requestCounts(): RequestCount[] {
    const counts: RequestCount[] = [];
    for (let i = 0; i < this.#counts.length; i++) {
      const count = this.#counts[i]!;
      if (count === 0) continue;
      const probe = COUNTED_LABELS[Math.floor(i / COUNTED_CODES.length)]!;
      counts.push({ probe, code: String(COUNTED_CODES[i % COUNTED_CODES.length]), count });
    }
    for (const r of this.#otherCounts.values()) counts.push({ probe: r.probe, code: r.code, count: r.count });
    return counts;
  }

  /** Replaces the counts reported by another thread (the probe worker); they add to this endpoint's own. */
  setRemoteCounts(counts: readonly RequestCount[]): void {
    this.#remote = counts;
  }

  /** Every family this endpoint exposes, in render order. */
  families(context: MetricsContext): MetricFamily[] {
    const merged = new Map<string, RequestCount>();
    for (const r of [...this.requestCounts(), ...this.#remote]) {
      const key = `${r.probe} ${r.code}`;
      const seen = merged.get(key);
      merged.set(key, { probe: r.probe, code: r.code, count: (seen?.count ?? 0) + r.count });
    }
    const requests: Sample[] = [...merged.values()].map((r) => ({ labels: { probe: r.probe, code: r.code }, value: r.count }));
    return [
      ...snapshotFamilies(context.snapshot, context.loopBlockedMs),
      { type: 'counter', name: 'probekit_probe_requests_total', help: 'Requests served by the probe server, by probe and status code.', samples: requests },
      ...this.#mainFamilies(),
    ];
  }

  /** The answer for `/metrics`, or undefined for any other path (let the probe renderer answer it). */
  respond(request: MetricsRequest, context: MetricsContext | (() => MetricsContext)): MetricsResponse | undefined {
    if (!isMetricsPath(request.url)) return undefined;
    const common = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { status: 405, headers: { ...common, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, body: 'method not allowed\n' };
    }
    const format = formatFor(request.accept);
    const body = renderExposition(this.families(typeof context === 'function' ? context() : context), format);
    return { status: 200, headers: { ...common, 'content-type': CONTENT_TYPES[format], 'content-length': String(Buffer.byteLength(body)) }, body };
  }
}
