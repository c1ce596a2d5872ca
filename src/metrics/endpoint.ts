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

/**
 * `/metrics` for a probe server, on whichever thread serves it: counts the requests that thread
 * serves and renders them with the snapshot's series and the main thread's accumulated ones
 * (`mainFamilies`, which the worker receives by message).
 */
export class MetricsEndpoint {
  readonly #mainFamilies: () => readonly MetricFamily[];
  readonly #requests = new Map<string, { readonly probe: string; readonly code: string; count: number }>();
  #remote: readonly RequestCount[] = [];

  constructor(mainFamilies: () => readonly MetricFamily[]) {
    this.#mainFamilies = mainFamilies;
  }

  /** Counts one served request. Call it after answering, with the status sent. */
  countRequest(url: string, status: number): void {
    const probe = probeLabel(url);
    const code = String(status);
    const key = `${probe} ${code}`;
    const entry = this.#requests.get(key);
    if (entry) entry.count += 1;
    else this.#requests.set(key, { probe, code, count: 1 });
  }

  /** The requests counted here, as plain data (a worker posts them to the main thread for prom-client). */
  requestCounts(): RequestCount[] {
    return [...this.#requests.values()].map((r) => ({ probe: r.probe, code: r.code, count: r.count }));
  }

  /** Replaces the counts reported by another thread (the probe worker); they add to this endpoint's own. */
  setRemoteCounts(counts: readonly RequestCount[]): void {
    this.#remote = counts;
  }

  /** Every family this endpoint exposes, in render order. */
  families(context: MetricsContext): MetricFamily[] {
    const merged = new Map<string, RequestCount>();
    for (const r of [...this.#requests.values(), ...this.#remote]) {
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
  respond(request: MetricsRequest, context: MetricsContext): MetricsResponse | undefined {
    const q = request.url.indexOf('?');
    if ((q < 0 ? request.url : request.url.slice(0, q)) !== METRICS_PATH) return undefined;
    const common = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { status: 405, headers: { ...common, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, body: 'method not allowed\n' };
    }
    const format = formatFor(request.accept);
    const body = renderExposition(this.families(context), format);
    return { status: 200, headers: { ...common, 'content-type': CONTENT_TYPES[format], 'content-length': String(Buffer.byteLength(body)) }, body };
  }
}
