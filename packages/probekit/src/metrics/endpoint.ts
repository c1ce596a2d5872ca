import type { HealthSnapshot } from '../engine/types.js';
import { CONTENT_TYPES, formatFor, renderExposition } from './exposition.js';
import type { MetricFamily, RequestCount, Sample } from './model.js';
import { snapshotFamilies } from './snapshot-families.js';

/** The parts of a request `/metrics` depends on (a probe request fits). */
export interface MetricsRequest {
  readonly method: string;
  readonly url: string;
  readonly accept?: string | undefined;
}

/** `/metrics` answers in the same shape as a probe. */
export interface MetricsResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

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

/**
 * `/metrics` for a probe server, on whichever thread serves it: renders the snapshot's series, the
 * request counts `requests()` gives (the probe servers count them) and the main thread's
 * accumulated families (`mainFamilies`, which the worker receives by message).
 */
export class MetricsEndpoint {
  readonly #mainFamilies: () => readonly MetricFamily[];
  readonly #requests: () => readonly RequestCount[];

  constructor(mainFamilies: () => readonly MetricFamily[], requests: () => readonly RequestCount[] = () => []) {
    this.#mainFamilies = mainFamilies;
    this.#requests = requests;
  }

  /** Every family this endpoint exposes, in render order. */
  families(context: MetricsContext): MetricFamily[] {
    const requests: Sample[] = this.#requests().map((r) => ({ labels: { probe: r.probe, code: r.code }, value: r.count }));
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
