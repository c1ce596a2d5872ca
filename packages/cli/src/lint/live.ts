/**
 * `probekit-cli lint --live`: asks a running probekit probe server which checks each endpoint covers
 * (with the details token), samples each endpoint like the kubelet would, and compares what it
 * measured with the probes in the manifest (or the kubelet defaults).
 */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { effectiveTiming, MAX_PROBE_BODY_BYTES, PROBE_DEFAULTS, PROBE_FIELD, PROBE_KINDS, PROBE_PATHS } from 'probekit/internal';
import { worstCaseBudgetSeconds } from './rules/index.js';
import type { ProbeKind } from 'probekit/internal';
import type { Finding } from './lint.js';
import { readManifests } from '../manifests/manifest-reader.js';
import type { FieldPath, ManifestDocument } from '../manifests/manifest-reader.js';
import { probeOnce } from 'probekit/internal';
import { LIVE_RULES } from './rule-catalog.js';
import type { RuleInfo } from './rule-catalog.js';
import { containersOf, isObject, objectsOf, podTemplateOf } from '../manifests/workloads.js';
import type { PlainObject } from '../manifests/workloads.js';

export interface LiveOptions {
  /** The probe server's details token (`Authorization: Bearer …`). @default undefined (no details) */
  readonly token?: string;
  /** The manifest whose probes the measurements are compared with. @default undefined (kubelet defaults) */
  readonly manifest?: { readonly text: string; readonly file: string };
  /** Container in the manifest. @default the first container with a probe */
  readonly container?: string;
  /** Requests per endpoint for the latency percentiles. @default 20 */
  readonly samples?: number;
  /** Deadline of each request in ms; above any probe timeout so slow answers are measured, not cut. @default 5000 */
  readonly requestTimeoutMs?: number;
}

export const liveDefaults = { samples: 20, requestTimeoutMs: 5000 } as const;

export interface LiveResult {
  readonly findings: Finding[];
  /** Set when the service could not be asked at all (bad input, exit 2). */
  readonly unreachable?: string;
}


interface Fetched {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly bytes: number;
  readonly body: string;
}

/** GET with a byte cap well above 10 KiB, so an oversized body is measured, not truncated. */
function fetchOnce(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<Fetched> {
  const send = url.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', headers, agent: false, rejectUnauthorized: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes <= 1024 * 1024) chunks.push(c);
        else req.destroy();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface ManifestProbes {
  readonly doc: ManifestDocument;
  readonly containerPath: FieldPath;
  readonly probes: Partial<Record<ProbeKind, PlainObject>>;
}

function findContainer(text: string, file: string, name: string | undefined): ManifestProbes | string {
  const { documents, problems } = readManifests(text, file);
  if (problems[0]) return `${file}:${problems[0].line}:${problems[0].column}: ${problems[0].message}`;
  for (const doc of documents) {
    for (const object of objectsOf(doc.value)) {
      const pod = podTemplateOf(object);
      if (!pod) continue;
      for (const c of containersOf(pod).longRunning) {
        const probes: Partial<Record<ProbeKind, PlainObject>> = {};
        for (const kind of PROBE_KINDS) {
          const p = c.value[PROBE_FIELD[kind]];
          if (isObject(p)) probes[kind] = p;
        }
        if (name !== undefined ? c.name === name : Object.keys(probes).length > 0) return { doc, containerPath: c.path, probes };
      }
    }
  }
  return name !== undefined ? `no container \`${name}\` in ${file}` : `no container with probes in ${file}`;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

export async function lintLive(base: URL, options: LiveOptions = {}): Promise<LiveResult> {
  const samples = options.samples ?? liveDefaults.samples;
  const timeoutMs = options.requestTimeoutMs ?? liveDefaults.requestTimeoutMs;
  const findings: Finding[] = [];
  let manifest: ManifestProbes | undefined;
  if (options.manifest) {
    const found = findContainer(options.manifest.text, options.manifest.file, options.container);
    if (typeof found === 'string') return { findings, unreachable: found };
    manifest = found;
  }
  const add = (rule: RuleInfo, endpoint: URL, message: string, at?: FieldPath): void => {
    const pos = manifest && at ? manifest.doc.locate(at) : { line: 1, column: 1 };
    findings.push({
      ruleId: rule.id,
      severity: rule.severity,
      message,
      fix: rule.fix,
      file: manifest && at ? manifest.doc.file : endpoint.href,
      line: pos.line,
      column: pos.column,
    });
  };
  const probePath = (kind: ProbeKind, field?: string): FieldPath | undefined =>
    manifest?.probes[kind] ? [...manifest.containerPath, PROBE_FIELD[kind], ...(field ? [field] : [])] : undefined;

  const json: Record<string, string> = { accept: 'application/health+json' };
  if (options.token !== undefined) json['authorization'] = `Bearer ${options.token}`;
  let sawDetails = false;
  for (const kind of PROBE_KINDS) {
    const endpoint = new URL(PROBE_PATHS[kind], base);
    let doc: Fetched;
    try {
      doc = await fetchOnce(endpoint, json, timeoutMs);
    } catch (error) {
      return { findings, unreachable: `cannot reach ${endpoint.href}: ${(error as Error).message}` };
    }
    if (doc.status >= 300 && doc.status < 400) {
      add(LIVE_RULES.redirect, endpoint, `${endpoint.pathname} answers ${doc.status} to ${String(doc.headers['location'])}`, probePath(kind));
    }
    let checks: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(doc.body) as unknown;
      if (isObject(parsed) && isObject(parsed['checks'])) checks = parsed['checks'];
    } catch {
      // Not a probekit server (or an old one): nothing to learn about its checks.
    }
    for (const [key, entries] of Object.entries(checks)) {
      for (const entry of Array.isArray(entries) ? entries : []) {
        if (!isObject(entry) || entry['probekit:dependency'] === undefined) continue;
        sawDetails = true;
        const probes = Array.isArray(entry['probekit:probes']) ? entry['probekit:probes'] : [];
        if (kind === 'liveness' && entry['probekit:dependency'] === true && probes.includes('liveness')) {
          add(LIVE_RULES.livenessDependency, endpoint, `check \`${key.split(':')[0] ?? key}\` is a dependency check and runs on /livez`, probePath('liveness'));
        }
      }
    }
    // The verbose text body is what a failing probe returns: its size is what the kubelet truncates.
    const verbose = await fetchOnce(new URL(`${endpoint.pathname}?verbose`, base), {}, timeoutMs).catch(() => undefined);
    const largest = Math.max(doc.bytes, verbose?.bytes ?? 0);
    if (largest > MAX_PROBE_BODY_BYTES) {
      add(LIVE_RULES.bodyTooLarge, endpoint, `${endpoint.pathname} returns ${largest} bytes; the kubelet reads ${MAX_PROBE_BODY_BYTES}`, probePath(kind));
    }
    const latencies: number[] = [];
    const statuses = new Map<string, number>();
    for (let i = 0; i < samples; i++) {
      const r = await probeOnce(endpoint, { timeoutMs });
      latencies.push(r.durationMs);
      const label = r.statusCode !== undefined ? String(r.statusCode) : r.output;
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    const probe = manifest?.probes[kind];
    const timeoutSeconds = probe ? effectiveTiming(probe).timeoutSeconds : PROBE_DEFAULTS.timeoutSeconds;
    const source = probe ? `${PROBE_FIELD[kind]}.timeoutSeconds` : 'the default timeoutSeconds';
    if (p99 >= timeoutSeconds * 1000) {
      add(LIVE_RULES.latencyAtTimeout, endpoint, `${endpoint.pathname} p99 is ${p99} ms over ${samples} requests, at or above ${source} (${timeoutSeconds}s)`, probePath(kind, probe?.['timeoutSeconds'] !== undefined ? 'timeoutSeconds' : undefined));
    }
    const seen = [...statuses].map(([s, n]) => `${s} x${n}`).join(', ');
    add(LIVE_RULES.measurement, endpoint, `${endpoint.pathname}: ${seen}; p50 ${p50} ms, p99 ${p99} ms, max ${latencies.at(-1) ?? 0} ms over ${samples} requests; body ${largest} bytes`);
  }
  if (!sawDetails) {
    add(LIVE_RULES.detailsUnavailable, base, options.token === undefined ? 'no details token given' : 'the service returned no check details for this token');
  }
  const startupSeconds = await measuredStartup(base, timeoutMs);
  if (startupSeconds !== undefined && manifest) {
    const gate = manifest.probes.startup ? 'startup' : manifest.probes.liveness ? 'liveness' : undefined;
    const gateProbe = gate ? manifest.probes[gate] : undefined;
    if (gate && gateProbe) {
      const budget = worstCaseBudgetSeconds(effectiveTiming(gateProbe));
      if (budget < startupSeconds) {
        add(LIVE_RULES.startupBudgetShort, base, `${PROBE_FIELD[gate]} allows ${budget}s to boot in the worst case but this service took ${startupSeconds.toFixed(1)}s to start`, probePath(gate));
      }
    }
  }
  return { findings };
}

/** `probekit_startup_duration_seconds` from the probe server's /metrics, when it serves one. */
async function measuredStartup(base: URL, timeoutMs: number): Promise<number | undefined> {
  const r = await fetchOnce(new URL('/metrics', base), {}, timeoutMs).catch(() => undefined);
  if (!r || r.status !== 200) return undefined;
  const m = /^probekit_startup_duration_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)$/m.exec(r.body);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}
