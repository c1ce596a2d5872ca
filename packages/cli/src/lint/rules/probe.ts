/**
 * Rules on one probe's own fields: what the API server rejects (minimums, handler count, port
 * names), what it silently rewrites (zeros), and what makes the kubelet's arithmetic wrong.
 */
import { effectiveTiming, parseFlagDuration, PROBE_DEFAULTS, PROBE_FIELD, PROBE_MINIMUMS, PROBE_TIMING_FIELDS } from 'probekit/internal';
import type { ProbeKind } from 'probekit/internal';
import type { FieldPath } from '../../manifests/manifest-reader.js';
import { isObject } from '../../manifests/workloads.js';
import type { PlainObject } from '../../manifests/workloads.js';
import { RULES } from '../rule-catalog.js';
import { resolvePort } from './context.js';
import type { ContainerContext } from './context.js';

/** The handler fields of a probe (`ProbeHandler`) and of a lifecycle hook (`LifecycleHandler`). */
export const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
export const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;

export function lintProbeFields(ctx: ContainerContext, kind: ProbeKind, probe: PlainObject): void {
  lintNumbers(ctx, kind, probe);
  lintHandlerCount(ctx, probe, ctx.probePath(kind), PROBE_HANDLERS);
  lintPorts(ctx, probe, ctx.probePath(kind));
  lintExec(ctx, kind, probe);
}

function lintNumbers(ctx: ContainerContext, kind: ProbeKind, probe: PlainObject): void {
  const field = PROBE_FIELD[kind];
  for (const name of PROBE_TIMING_FIELDS) {
    const value = probe[name];
    if (typeof value !== 'number') continue;
    // NOTE: 0 is defaulted, not rejected (SetDefaults_Probe); only negatives fail validation.
    if (value === 0 && name !== 'initialDelaySeconds') {
      ctx.push(RULES.zeroDefaulted, ctx.probePath(kind, name), `${field}.${name} is 0, which the API server replaces with the default ${PROBE_DEFAULTS[name]}`);
    } else if (value < PROBE_MINIMUMS[name]) {
      ctx.push(RULES.belowMinimum, ctx.probePath(kind, name), `${field}.${name} is ${value}; the minimum is ${PROBE_MINIMUMS[name]}`);
    }
  }
  const grace = probe['terminationGracePeriodSeconds'];
  if (kind === 'readiness' && grace !== undefined) {
    ctx.push(RULES.readinessTerminationGrace, ctx.probePath(kind, 'terminationGracePeriodSeconds'), `readinessProbe.terminationGracePeriodSeconds is set (${String(grace)}); it is only allowed on liveness and startup probes`);
  } else if (typeof grace === 'number' && grace < 1) {
    ctx.push(RULES.belowMinimum, ctx.probePath(kind, 'terminationGracePeriodSeconds'), `${field}.terminationGracePeriodSeconds is ${grace}; the minimum is 1`);
  }
  const success = probe['successThreshold'];
  if (kind !== 'readiness' && typeof success === 'number' && success > 1) {
    ctx.push(RULES.successThresholdNotOne, ctx.probePath(kind, 'successThreshold'), `${field}.successThreshold is ${success}; it must be 1 on ${kind} probes`);
  }
  const t = effectiveTiming(probe);
  // NOTE: equal is allowed: timeoutSeconds 1 with periodSeconds 1 has both at their minimum.
  if (t.timeoutSeconds > t.periodSeconds) {
    const at = probe['timeoutSeconds'] !== undefined ? 'timeoutSeconds' : 'periodSeconds';
    ctx.push(RULES.timeoutNotBelowPeriod, ctx.probePath(kind, at), `${field}.timeoutSeconds (${t.timeoutSeconds}) is above periodSeconds (${t.periodSeconds})`);
  }
}

/**
 * One and only one handler, as `validateHandler` in pkg/apis/core/validation/validation.go demands
 * ("must specify a handler type", "may not specify more than 1 handler type").
 */
export function lintHandlerCount(ctx: ContainerContext, handler: PlainObject, path: FieldPath, handlers: readonly string[]): void {
  const present = handlers.filter((h) => handler[h] !== undefined && handler[h] !== null);
  const where = path.slice(ctx.c.path.length).join('.');
  if (present.length === 0) {
    ctx.push(RULES.handlerCount, path, `${where} has no handler (one of ${handlers.join(', ')}); the API server rejects it: "must specify a handler type"`);
  }
  for (const extra of present.slice(1)) {
    ctx.push(RULES.handlerCount, [...path, extra], `${where} has ${present.join(' and ')}; the API server rejects a second handler: "may not specify more than 1 handler type"`);
  }
}

/**
 * `IsValidPortName` (staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go): at most
 * 15 characters of [-a-z0-9], at least one letter, no `--`, no hyphen at either end.
 */
export function portNameProblem(name: string): string | undefined {
  if (/^\d+$/.test(name)) return 'a quoted number is a port name, and a port name must contain a letter';
  if (name.includes('{{')) return 'an unrendered template placeholder is not a port name';
  if (name.length > 15) return 'a port name has at most 15 characters';
  if (!/^[-a-z0-9]+$/.test(name)) return 'a port name has only lowercase letters, digits and hyphens';
  if (!/[a-z]/.test(name)) return 'a port name must contain at least one letter';
  if (name.includes('--')) return 'a port name must not contain consecutive hyphens';
  if (name.startsWith('-') || name.endsWith('-')) return 'a port name must not begin or end with a hyphen';
  return undefined;
}

/** Port names the API server rejects, and names the container does not declare (the kubelet cannot resolve them). */
export function lintPorts(ctx: ContainerContext, handler: PlainObject, path: FieldPath): void {
  for (const kind of ['httpGet', 'tcpSocket'] as const) {
    const h = handler[kind];
    if (!isObject(h)) continue;
    const port = h['port'];
    if (typeof port !== 'string') continue;
    const where = [...path, kind, 'port'];
    const label = where.slice(ctx.c.path.length).join('.');
    const problem = portNameProblem(port);
    if (problem !== undefined) {
      const hint = /^\d+$/.test(port) ? `; write ${port} unquoted` : port.includes('{{') ? ' (render the template first)' : '';
      ctx.push(RULES.portNameInvalid, where, `${label} \`${JSON.stringify(port)}\` is rejected by the API server: ${problem}${hint}`);
    } else if (resolvePort(ctx.c, port) === undefined) {
      ctx.push(RULES.portUnknown, where, `${label} \`${port}\` is not a port name declared by container \`${ctx.c.name}\``);
    }
  }
}

/** Network clients an exec probe commonly runs, and how each takes its own timeout. */
const EXEC_CLIENTS: ReadonlyArray<{ readonly command: RegExp; readonly timeout: RegExp }> = [
  { command: /^curl$/, timeout: /^(?:-m|--max-time|--connect-timeout)(?:=?(\d+(?:\.\d+)?))?$/ },
  { command: /^wget$/, timeout: /^(?:-T|--timeout)(?:=?(\d+(?:\.\d+)?))?$/ },
  { command: /^(?:nc|ncat|netcat)$/, timeout: /^-w(\d+)?$/ },
  { command: /^pg_isready$/, timeout: /^(?:-t|--timeout)(?:=?(\d+))?$/ },
  // redis-cli takes `-t <seconds>` only as two words (strcmp in parseOptions, src/redis-cli.c): `-t5` is an unknown option.
  { command: /^redis-cli$/, timeout: /^-t$/ },
  { command: /^mysqladmin$/, timeout: /^--connect[-_]timeout(?:=(\d+))?$/ },
];

/**
 * `probekit check --timeout 800ms` or `--timeout=2s`, also as `node …/probekit/bin/probekit.js check`
 * (the form for images without npx, docs/check.md); the value is read as the command reads it (`parseFlagDuration`).
 */
const PROBEKIT_CLIENT = { command: /^probekit(?:\.js)?$/, timeout: /^--timeout(?:=(.*))?$/ };

/** Nanoseconds per unit of a Go duration (`time.ParseDuration`); summed in ns so that 700ms is 0.7 s, not 0.7000000000000001. */
const GO_DURATION_NS: Readonly<Record<string, number>> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };

/** A Go duration as grpc_health_probe's flags take it (`500ms`, `5s`, `1m30s`), in seconds. */
function goDurationSeconds(text: string): number | undefined {
  if (!/^(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  let ns = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)) ns += Number(n) * (GO_DURATION_NS[unit as string] as number);
  return ns / 1e9;
}

/**
 * grpc_health_probe has its own timeouts, 1 s each by default (`-connect-timeout`, `-rpc-timeout`
 * in grpc-ecosystem/grpc-health-probe main.go): in the worst case it runs for their sum.
 */
function grpcHealthProbeSeconds(tokens: readonly string[], at: number): number {
  const after = tokens.slice(at + 1);
  const flag = (name: string): number => {
    for (const [i, t] of after.entries()) {
      const m = new RegExp(`^--?${name}(?:=(.*))?$`).exec(t);
      if (m) return goDurationSeconds(m[1] ?? after[i + 1] ?? '') ?? 1;
    }
    return 1;
  };
  return flag('connect-timeout') + flag('rpc-timeout');
}

function lintExec(ctx: ContainerContext, kind: ProbeKind, probe: PlainObject): void {
  const exec = probe['exec'];
  if (!isObject(exec) || !Array.isArray(exec['command'])) return;
  const timeoutSeconds = effectiveTiming(probe).timeoutSeconds;
  const argv = exec['command'].filter((a): a is string => typeof a === 'string');
  // `sh -c "curl …"`: lint the script's words too.
  const tokens = argv.flatMap((a) => a.match(/\S+/g) ?? []);
  const base = (t: string): string => t.slice(t.lastIndexOf('/') + 1);
  if (tokens.some((t) => base(t) === 'timeout')) return; // wrapped in coreutils timeout
  const grpc = tokens.findIndex((t) => base(t) === 'grpc_health_probe');
  if (grpc >= 0) {
    const own = grpcHealthProbeSeconds(tokens, grpc);
    if (own > timeoutSeconds) {
      ctx.push(
        RULES.execIgnoresTimeout,
        ctx.probePath(kind, 'exec', 'command'),
        `${PROBE_FIELD[kind]} runs \`grpc_health_probe\`, which may take ${own}s (connect-timeout + rpc-timeout, 1s each unless set), above the probe's timeoutSeconds (${timeoutSeconds}s)`,
      );
    }
    return;
  }
  const isProbekit = tokens.some((t, i) => PROBEKIT_CLIENT.command.test(base(t)) && tokens[i + 1] === 'check');
  const clients = isProbekit ? [PROBEKIT_CLIENT] : EXEC_CLIENTS;
  for (const client of clients) {
    const at = tokens.findIndex((t) => client.command.test(base(t)));
    if (at < 0) continue;
    const name = base(tokens[at] as string);
    // The client's own timeout in seconds; NaN when its value cannot be read (then it is not reported).
    let own = Number.NaN;
    let found = false;
    const after = tokens.slice(at + 1);
    for (const [i, t] of after.entries()) {
      const m = client.timeout.exec(t);
      if (!m) continue;
      found = true;
      const value = m[1] ?? after[i + 1] ?? ''; // attached (`-m5`, `--timeout=2s`) or the next word
      // probekit check: `800ms`, `2s`, or a bare number of milliseconds; the others: seconds.
      own = isProbekit ? (parseFlagDuration(value) ?? Number.NaN) / 1000 : /^\d+(?:\.\d+)?s?$/.test(value) ? Number.parseFloat(value) : Number.NaN;
      break;
    }
    const path = ctx.probePath(kind, 'exec', 'command');
    if (!found) {
      ctx.push(RULES.execIgnoresTimeout, path, `${PROBE_FIELD[kind]} runs \`${name}\` without a timeout of its own; the probe's timeoutSeconds is ${timeoutSeconds}s`);
    } else if (own >= timeoutSeconds) {
      ctx.push(RULES.execIgnoresTimeout, path, `${PROBE_FIELD[kind]} runs \`${name}\` with a ${own}s timeout, not below the probe's timeoutSeconds (${timeoutSeconds}s)`);
    }
    return;
  }
}
