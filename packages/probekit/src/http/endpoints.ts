/**
 * The probe endpoints of the HTTP contract (docs/http.md), in one table: every path, label and
 * probe name elsewhere — the renderer, the hot path, request counters, log lines, forensics, the
 * status page, and the tooling through `probekit/internal` — is read from here.
 */
import type { ProbeTarget } from '../engine/evaluate.js';
import type { ProbeKind } from '../engine/types.js';

export interface Endpoint {
  /** `/livez` */
  readonly path: string;
  /** `livez`: the metric label and the word in log lines. */
  readonly name: string;
  /** What it evaluates: one probe, or `all` for /healthz. */
  readonly target: ProbeTarget;
}

export const ENDPOINTS: readonly Endpoint[] = [
  { path: '/livez', name: 'livez', target: 'liveness' },
  { path: '/readyz', name: 'readyz', target: 'readiness' },
  { path: '/startupz', name: 'startupz', target: 'startup' },
  { path: '/healthz', name: 'healthz', target: 'all' },
];

function tableOf<K extends string, V>(pairs: readonly (readonly [K, V])[]): Readonly<Record<K, V>> {
  // NOTE: a null prototype, so a lookup by an untrusted path never finds `constructor` or `__proto__`.
  return Object.freeze(Object.assign(Object.create(null) as Record<K, V>, Object.fromEntries(pairs)));
}

/** Path → target, for request routing: `PATH_TARGETS['/livez'] === 'liveness'`. */
export const PATH_TARGETS: Readonly<Record<string, ProbeTarget>> = tableOf(ENDPOINTS.map((e) => [e.path, e.target] as const));

/** Target → name: `ENDPOINT_NAMES.liveness === 'livez'`. */
export const ENDPOINT_NAMES: Readonly<Record<ProbeTarget, string>> = tableOf(ENDPOINTS.map((e) => [e.target, e.name] as const));

/** Probe kind → path, for clients that probe the three (the lab, live lint, the manifest generator). */
export const PROBE_PATHS: Readonly<Record<ProbeKind, string>> = tableOf(
  ENDPOINTS.filter((e): e is Endpoint & { target: ProbeKind } => e.target !== 'all').map((e) => [e.target, e.path] as const),
);
