import type { RequestCount } from '../metrics/model.js';
import { ENDPOINTS } from './endpoints.js';

const PROBE_LABELS: ReadonlyMap<string, string> = new Map([...ENDPOINTS.map((e) => [e.path, e.name] as const), ['/metrics', 'metrics']]);

/** The `probe` label of a request path: per-check paths count under their probe, anything else is `other`. */
export function probeLabel(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const slash = path.indexOf('/', 1);
  return PROBE_LABELS.get(slash < 0 ? path : path.slice(0, slash)) ?? 'other';
}

// The counters every probe server can produce sit in one fixed array, label-major, so counting a
// request on the hot path is an increment at an index computed once per pre-rendered answer.
const COUNTED_LABELS: readonly string[] = [...ENDPOINTS.map((e) => e.name), 'metrics', 'other'];
const COUNTED_CODES = [200, 404, 405, 503] as const;

/** The slot of a (path, status) pair in the fixed counters, or -1 for a status outside them. */
export function requestCounterIndex(url: string, status: number): number {
  const code = (COUNTED_CODES as readonly number[]).indexOf(status);
  if (code < 0) return -1;
  return (COUNTED_LABELS as readonly string[]).indexOf(probeLabel(url)) * COUNTED_CODES.length + code;
}

/**
 * The requests a probe server served, by probe label and status code. The probe servers count
 * here; `/metrics` only renders what `all()` returns (the `probekit_probe_requests_total` family).
 */
export class RequestCounters {
  readonly #counts = new Float64Array(COUNTED_LABELS.length * COUNTED_CODES.length);
  /** Statuses outside the fixed codes (only a custom server passes them), by `probe code`. */
  readonly #otherCounts = new Map<string, { readonly probe: string; readonly code: string; count: number }>();
  #remote: readonly RequestCount[] = [];
  #total = 0;

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

  /** The requests counted here, as plain data (a worker posts them to the main thread). */
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

  /** Replaces the counts reported by another thread (the probe worker); they add to these. */
  setRemoteCounts(counts: readonly RequestCount[]): void {
    this.#remote = counts;
  }

  /** This thread's counts and the other thread's, one entry per probe and code. */
  all(): RequestCount[] {
    const merged = new Map<string, RequestCount>();
    for (const r of [...this.requestCounts(), ...this.#remote]) {
      const key = `${r.probe} ${r.code}`;
      const seen = merged.get(key);
      merged.set(key, { probe: r.probe, code: r.code, count: (seen?.count ?? 0) + r.count });
    }
    return [...merged.values()];
  }
}
