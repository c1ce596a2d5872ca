import { formatMs } from './errors.js';
import type { CheckSnapshot, HealthSnapshot, ProbeKind } from './types.js';

/** A probe as served over HTTP: one of the three, or `all` for /healthz. */
export type ProbeTarget = ProbeKind | 'all';

export type LineStatus = 'pass' | 'fail' | 'warn' | 'excluded';

/** One line of a probe's answer. */
export interface ProbeLine {
  readonly name: string;
  readonly status: LineStatus;
  readonly reason?: string;
  /** The reason may be shown without the details token. */
  readonly reasonPublic: boolean;
  /** The check behind the line; absent for built-in lines (eventloop, startup, shutdown, started). */
  readonly check?: CheckSnapshot;
}

export interface ProbeVerdict {
  readonly ok: boolean;
  /** Some line warns (a non-critical check failing). */
  readonly warn: boolean;
  readonly lines: readonly ProbeLine[];
  /** `exclude` names that matched no line. */
  readonly unmatchedExcludes: readonly string[];
}

export interface EvaluateOptions {
  /** How long the main event loop has not run timers, in ms. */
  readonly loopBlockedMs: number;
  readonly exclude?: readonly string[];
}

/** Names probekit uses for its own lines; checks may not take them. */
export const BUILTIN_NAMES: readonly string[] = ['eventloop', 'startup', 'shutdown', 'started', 'manual', 'fatal'];

const PASS_BUILTIN = (name: string): ProbeLine => ({ name, status: 'pass', reasonPublic: true });
const FAIL_BUILTIN = (name: string, reason: string): ProbeLine => ({ name, status: 'fail', reason, reasonPublic: true });

/** Every line of a probe, before exclusions. Pure: a function of the snapshot and the loop state. */
export function probeLines(snapshot: HealthSnapshot, probe: ProbeTarget, loopBlockedMs: number): ProbeLine[] {
  if (probe === 'all') return allLines(snapshot, loopBlockedMs);
  const lines: ProbeLine[] = [];
  if (probe === 'liveness') {
    if (snapshot.maxBlockMs > 0) lines.push(loopLine(loopBlockedMs, snapshot.maxBlockMs));
    if (snapshot.fatal !== undefined) lines.push(FAIL_BUILTIN('fatal', snapshot.fatal));
  } else if (probe === 'readiness') {
    if (snapshot.maxLagMs > 0) lines.push(loopLine(loopBlockedMs, snapshot.maxLagMs));
    lines.push(snapshot.started ? PASS_BUILTIN('startup') : FAIL_BUILTIN('startup', 'startup not complete'));
    lines.push(snapshot.shuttingDown ? FAIL_BUILTIN('shutdown', 'process is shutting down') : PASS_BUILTIN('shutdown'));
    // Shown only while failing, so bodies of apps that never call setReady()/fatal() stay as they were.
    if (snapshot.notReady !== undefined) lines.push(FAIL_BUILTIN('manual', snapshot.notReady));
    if (snapshot.fatal !== undefined) lines.push(FAIL_BUILTIN('fatal', snapshot.fatal));
  } else if (snapshot.manualStartup) {
    lines.push(snapshot.started ? PASS_BUILTIN('started') : FAIL_BUILTIN('started', 'waiting for markStarted()'));
  }
  for (const check of snapshot.checks) {
    if (!check.probes.includes(probe)) continue;
    lines.push(checkLine(check, probe, snapshot.started));
  }
  return lines;
}

/**
 * Whether two snapshots give every probe the same lines, apart from the `check` each line points
 * to: true when all that `probeLines` reads is equal. Lets a caller that keeps a verdict reuse it
 * for a newer snapshot in which only run counts and times moved (most snapshots).
 */
export function sameLines(a: HealthSnapshot, b: HealthSnapshot): boolean {
  if (a === b) return true;
  if (a.started !== b.started || a.shuttingDown !== b.shuttingDown || a.manualStartup !== b.manualStartup) return false;
  if (a.notReady !== b.notReady || a.fatal !== b.fatal) return false;
  if (a.maxBlockMs !== b.maxBlockMs || a.maxLagMs !== b.maxLagMs || a.checks.length !== b.checks.length) return false;
  for (let i = 0; i < a.checks.length; i++) {
    const x = a.checks[i]!;
    const y = b.checks[i]!;
    if (x === y) continue;
    if (x.name !== y.name || x.status !== y.status || x.reason !== y.reason || x.reasonPublic !== y.reasonPublic || x.critical !== y.critical) return false;
    if (x.probes !== y.probes && x.probes.join() !== y.probes.join()) return false;
  }
  return true;
}

/** The verdict of a probe with `?exclude=` applied. */
export function evaluate(snapshot: HealthSnapshot, probe: ProbeTarget, options: EvaluateOptions): ProbeVerdict {
  let lines = probeLines(snapshot, probe, options.loopBlockedMs);
  let unmatched: string[] = [];
  // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty list excludes nothing either way; the guard saves two Sets per probe
  if (options.exclude && options.exclude.length > 0) {
    const excluded = new Set(options.exclude);
    lines = lines.map((line) => (excluded.has(line.name) ? { ...line, status: 'excluded' as const } : line));
    const names = new Set(lines.map((line) => line.name));
    unmatched = [...excluded].filter((name) => !names.has(name));
  }
  return verdictOf(lines, unmatched);
}

/** The verdict over given lines. */
export function verdictOf(lines: readonly ProbeLine[], unmatchedExcludes: readonly string[] = []): ProbeVerdict {
  let ok = true;
  let warn = false;
  for (const line of lines) {
    if (line.status === 'fail') ok = false;
    else if (line.status === 'warn') warn = true;
  }
  return { ok, warn, lines, unmatchedExcludes };
}

function loopLine(blockedMs: number, boundMs: number): ProbeLine {
  return blockedMs > boundMs
    ? FAIL_BUILTIN('eventloop', `event loop blocked for ${formatMs(blockedMs)}`)
    : PASS_BUILTIN('eventloop');
}

function checkLine(check: CheckSnapshot, probe: ProbeKind, started: boolean): ProbeLine {
  // NOTE: startup latches: once complete, /startupz passes whatever its checks did since.
  if (probe === 'startup' && started) return { name: check.name, status: 'pass', reasonPublic: true, check };
  // Literals with the keys in the order `{ ...{ name, reasonPublic, check }, status, reason }` gave:
  // a probe evaluates every check, and spreads cost a temporary object each.
  const { name, reasonPublic } = check;
  switch (check.status) {
    case 'pass':
      return { name, reasonPublic, check, status: 'pass' };
    case 'warn':
      return { name, reasonPublic, check, status: 'warn', reason: check.reason ?? 'failed' };
    case 'fail':
      return { name, reasonPublic, check, status: 'fail', reason: check.reason ?? 'failed' };
    case 'pending':
      // NOTE: not yet checked fails readiness and startup; an internal liveness check counts as passing.
      if (probe === 'liveness') return { name, reasonPublic, check, status: 'pass' };
      return { name, reasonPublic, check, status: check.critical ? 'fail' : 'warn', reason: check.reason ?? 'not yet checked' };
  }
}

const RANK: Record<LineStatus, number> = { excluded: 0, pass: 1, warn: 2, fail: 3 };

function allLines(snapshot: HealthSnapshot, loopBlockedMs: number): ProbeLine[] {
  const byName = new Map<string, ProbeLine>();
  const probes: ProbeKind[] = snapshot.started ? ['liveness', 'readiness', 'startup'] : ['startup', 'liveness', 'readiness'];
  for (const probe of probes) {
    for (const line of probeLines(snapshot, probe, loopBlockedMs)) {
      const seen = byName.get(line.name);
      if (!seen || RANK[line.status] > RANK[seen.status]) byName.set(line.name, line);
    }
  }
  return [...byName.values()];
}
