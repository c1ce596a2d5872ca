/**
 * The probe rules: pure functions from a pod template to findings. Schema checks (types, unknown
 * fields) are in schema.ts; this file holds the rules the OpenAPI schema cannot express.
 */
import {
  DEFAULT_TERMINATION_GRACE_SECONDS,
  effectiveTiming,
  livenessToleranceSeconds,
  PROBE_DEFAULTS,
  PROBE_FIELD,
  PROBE_KINDS,
  PROBE_MINIMUMS,
  PROBE_TIMING_FIELDS,
  probeBudgetSeconds,
} from 'probekit/internal';
import type { ProbeKind } from 'probekit/internal';
import type { FieldPath } from '../manifests/manifest-reader.js';
import { RULES } from './rule-catalog.js';
import type { RuleInfo } from './rule-catalog.js';
import { containersOf, isObject, RUN_TO_COMPLETION_KINDS } from '../manifests/workloads.js';
import type { LongRunningContainer, PlainObject, PodTemplate } from '../manifests/workloads.js';

/** A finding before it has a file position. */
export interface RawFinding {
  readonly rule: RuleInfo;
  readonly path: FieldPath;
  readonly message: string;
  /** Which container it is about, for the report. */
  readonly container?: string;
}

/** The thresholds rules use; the linter resolves them from options and annotations. */
export interface RuleSettings {
  /** Declared boot time (seconds) for a container, if known. */
  readonly bootSeconds: (container: string) => number | undefined;
  /** Declared drain time (seconds) after SIGTERM, if known. */
  readonly drainSeconds: number | undefined;
  readonly slowBootHintSeconds: number;
  readonly minLivenessToleranceSeconds: number;
}

/** Path words that name a dependency rather than the process itself. */
const DEPENDENCY_WORDS = new Set([
  'db', 'database', 'databases', 'postgres', 'postgresql', 'pg', 'mysql', 'mariadb', 'mongo', 'mongodb', 'redis',
  'memcached', 'kafka', 'rabbit', 'rabbitmq', 'amqp', 'nats', 'mqtt', 'elastic', 'elasticsearch', 'opensearch',
  'cassandra', 'dynamodb', 's3', 'sql', 'ldap', 'smtp', 'dependency', 'dependencies', 'deps', 'downstream', 'upstream',
]);

const READINESS_WORDS = new Set(['ready', 'readyz', 'readiness']);

function words(path: string): string[] {
  return path.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
}

export function lintPodTemplate(pod: PodTemplate, settings: RuleSettings): RawFinding[] {
  const out: RawFinding[] = [];
  const { longRunning, init } = containersOf(pod);
  for (const c of init) {
    for (const kind of PROBE_KINDS) {
      if (c.value[PROBE_FIELD[kind]] !== undefined) {
        out.push({
          rule: RULES.initContainerProbe,
          path: [...c.path, PROBE_FIELD[kind]],
          container: c.name,
          message: `init container \`${c.name}\` has a ${PROBE_FIELD[kind]} but no \`restartPolicy: Always\`; the API server rejects probes on init containers that run to completion`,
        });
      }
    }
  }
  for (const c of longRunning) lintContainer(pod, c, settings, out);
  lintShutdown(pod, longRunning, settings, out);
  return out;
}

function probeOf(c: LongRunningContainer, kind: ProbeKind): PlainObject | undefined {
  const p = c.value[PROBE_FIELD[kind]];
  return isObject(p) ? p : undefined;
}

function lintContainer(pod: PodTemplate, c: LongRunningContainer, s: RuleSettings, out: RawFinding[]): void {
  const push = (rule: RuleInfo, path: FieldPath, message: string): void => {
    out.push({ rule, path, message, container: c.name });
  };
  const probePath = (kind: ProbeKind, ...rest: string[]): FieldPath => [...c.path, PROBE_FIELD[kind], ...rest];
  const probes = new Map<ProbeKind, PlainObject>();
  for (const kind of PROBE_KINDS) {
    const p = probeOf(c, kind);
    if (p) probes.set(kind, p);
  }

  for (const [kind, probe] of probes) {
    const field = PROBE_FIELD[kind];
    for (const name of PROBE_TIMING_FIELDS) {
      const value = probe[name];
      if (typeof value !== 'number') continue;
      // NOTE: 0 is defaulted, not rejected (SetDefaults_Probe); only negatives fail validation.
      if (value === 0 && name !== 'initialDelaySeconds') {
        push(RULES.zeroDefaulted, probePath(kind, name), `${field}.${name} is 0, which the API server replaces with the default ${PROBE_DEFAULTS[name]}`);
      } else if (value < PROBE_MINIMUMS[name]) {
        push(RULES.belowMinimum, probePath(kind, name), `${field}.${name} is ${value}; the minimum is ${PROBE_MINIMUMS[name]}`);
      }
    }
    const grace = probe['terminationGracePeriodSeconds'];
    if (kind === 'readiness' && grace !== undefined) {
      push(RULES.readinessTerminationGrace, probePath(kind, 'terminationGracePeriodSeconds'), `readinessProbe.terminationGracePeriodSeconds is set (${String(grace)}); it is only allowed on liveness and startup probes`);
    } else if (typeof grace === 'number' && grace < 1) {
      push(RULES.belowMinimum, probePath(kind, 'terminationGracePeriodSeconds'), `${field}.terminationGracePeriodSeconds is ${grace}; the minimum is 1`);
    }
    const success = probe['successThreshold'];
    if (kind !== 'readiness' && typeof success === 'number' && success > 1) {
      push(RULES.successThresholdNotOne, probePath(kind, 'successThreshold'), `${field}.successThreshold is ${success}; it must be 1 on ${kind} probes`);
    }
    const t = effectiveTiming(probe);
    if (t.timeoutSeconds >= t.periodSeconds) {
      const at = probe['timeoutSeconds'] !== undefined ? 'timeoutSeconds' : 'periodSeconds';
      push(RULES.timeoutNotBelowPeriod, probePath(kind, at), `${field}.timeoutSeconds (${t.timeoutSeconds}) is not below periodSeconds (${t.periodSeconds})`);
    }
    lintPort(c, kind, probe, push);
    lintExec(kind, probe, t.timeoutSeconds, probePath(kind), push);
  }

  const liveness = probes.get('liveness');
  const readiness = probes.get('readiness');
  const startup = probes.get('startup');
  if (liveness) {
    const t = effectiveTiming(liveness);
    if (t.failureThreshold === 1) {
      push(RULES.livenessFailureThresholdOne, probePath('liveness', 'failureThreshold'), 'livenessProbe.failureThreshold is 1: a single failed or slow probe restarts the container');
    } else {
      const tolerance = livenessToleranceSeconds(t);
      if (tolerance < s.minLivenessToleranceSeconds) {
        const at = liveness['periodSeconds'] !== undefined ? 'periodSeconds' : 'failureThreshold';
        push(
          RULES.livenessBlipIntolerant,
          probePath('liveness', at),
          `livenessProbe restarts the container after a ${tolerance}s outage ((${t.failureThreshold} - 1) x ${t.periodSeconds}s + ${t.timeoutSeconds}s timeout); tolerate at least ${s.minLivenessToleranceSeconds}s`,
        );
      }
    }
    const path = httpPath(liveness);
    if (path !== undefined) {
      const w = words(path);
      const readinessWord = w.find((x) => READINESS_WORDS.has(x));
      const dependencyWord = w.find((x) => DEPENDENCY_WORDS.has(x));
      if (readinessWord) {
        push(RULES.livenessOnReadinessEndpoint, probePath('liveness', 'httpGet', 'path'), `livenessProbe.httpGet.path \`${path}\` is a readiness endpoint`);
      } else if (dependencyWord) {
        push(RULES.livenessChecksDependency, probePath('liveness', 'httpGet', 'path'), `livenessProbe.httpGet.path \`${path}\` names a dependency (\`${dependencyWord}\`)`);
      }
    }
    if (readiness) {
      const a = endpoint(c, liveness);
      if (a !== undefined && a === endpoint(c, readiness)) {
        const all = startup !== undefined && endpoint(c, startup) === a;
        push(
          RULES.sharedEndpoint,
          probePath('liveness'),
          `${all ? 'startup, liveness and readiness all' : 'livenessProbe and readinessProbe both'} probe ${a}`,
        );
      }
    }
    if (!startup && t.initialDelaySeconds >= s.slowBootHintSeconds) {
      push(
        RULES.startupMissingSlowBoot,
        probePath('liveness', 'initialDelaySeconds'),
        `livenessProbe.initialDelaySeconds is ${t.initialDelaySeconds}s and there is no startupProbe`,
      );
    }
  }
  const serving = Array.isArray(c.value['ports']) && c.value['ports'].length > 0;
  if (!readiness && serving && !c.sidecar && !RUN_TO_COMPLETION_KINDS.has(pod.object.kind)) {
    push(RULES.readinessMissing, [...c.path, 'name'], `container \`${c.name}\` declares ports but has no readinessProbe`);
  }
  const boot = s.bootSeconds(c.name);
  const gate = startup ? 'startup' : liveness ? 'liveness' : undefined;
  if (boot !== undefined && gate) {
    const budget = probeBudgetSeconds(effectiveTiming(gate === 'startup' ? (startup as PlainObject) : (liveness as PlainObject)));
    if (budget < boot) {
      push(
        RULES.startupBudgetShort,
        probePath(gate),
        `${PROBE_FIELD[gate]} allows ${budget}s to boot (initialDelaySeconds + failureThreshold x periodSeconds) but the container declares ${boot}s`,
      );
    }
  }
}

function httpPath(probe: PlainObject): string | undefined {
  const http = probe['httpGet'];
  if (!isObject(http)) return undefined;
  return typeof http['path'] === 'string' ? http['path'] : '/';
}

/** Resolves a named port to its number through the container's `ports`. */
function resolvePort(c: LongRunningContainer, port: unknown): number | string | undefined {
  if (typeof port === 'number') return port;
  if (typeof port !== 'string') return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  const ports = Array.isArray(c.value['ports']) ? c.value['ports'] : [];
  for (const p of ports) {
    if (isObject(p) && p['name'] === port && typeof p['containerPort'] === 'number') return p['containerPort'];
  }
  return undefined;
}

/** A comparable description of what a probe hits, with named ports resolved. */
function endpoint(c: LongRunningContainer, probe: PlainObject): string | undefined {
  const http = probe['httpGet'];
  if (isObject(http)) {
    const port = resolvePort(c, http['port']) ?? String(http['port']);
    const path = typeof http['path'] === 'string' ? http['path'] : '/';
    const normal = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const scheme = typeof http['scheme'] === 'string' ? http['scheme'].toLowerCase() : 'http';
    const host = typeof http['host'] === 'string' ? http['host'] : '';
    return `${scheme === 'https' ? 'HTTPS ' : ''}GET ${host}:${port}${normal}`;
  }
  const tcp = probe['tcpSocket'];
  if (isObject(tcp)) return `TCP :${resolvePort(c, tcp['port']) ?? String(tcp['port'])}`;
  const grpc = probe['grpc'];
  if (isObject(grpc)) return `gRPC :${String(grpc['port'])} service "${typeof grpc['service'] === 'string' ? grpc['service'] : ''}"`;
  const exec = probe['exec'];
  if (isObject(exec) && Array.isArray(exec['command'])) return `exec ${JSON.stringify(exec['command'])}`;
  return undefined;
}

function lintPort(
  c: LongRunningContainer,
  kind: ProbeKind,
  probe: PlainObject,
  push: (rule: RuleInfo, path: FieldPath, message: string) => void,
): void {
  for (const handler of ['httpGet', 'tcpSocket'] as const) {
    const h = probe[handler];
    if (!isObject(h)) continue;
    const port = h['port'];
    if (typeof port === 'string' && !/^\d+$/.test(port) && resolvePort(c, port) === undefined) {
      push(
        RULES.portUnknown,
        [...c.path, PROBE_FIELD[kind], handler, 'port'],
        `${PROBE_FIELD[kind]}.${handler}.port \`${port}\` is not a port name declared by container \`${c.name}\``,
      );
    }
  }
}

/** Network clients an exec probe commonly runs, and how each takes its own timeout. */
const EXEC_CLIENTS: ReadonlyArray<{ readonly command: RegExp; readonly timeout: RegExp }> = [
  { command: /^curl$/, timeout: /^(?:-m|--max-time|--connect-timeout)(?:=?(\d+(?:\.\d+)?))?$|^-m(\d+)$/ },
  { command: /^wget$/, timeout: /^(?:-T|--timeout)(?:=?(\d+(?:\.\d+)?))?$|^-T(\d+)$/ },
  { command: /^grpc_health_probe$/, timeout: /^--?(?:rpc-timeout|connect-timeout)(?:=(\d+(?:\.\d+)?)s?)?$/ },
  { command: /^(?:nc|ncat|netcat)$/, timeout: /^-w(\d+)?$/ },
  { command: /^pg_isready$/, timeout: /^(?:-t|--timeout)(?:=?(\d+))?$/ },
  { command: /^redis-cli$/, timeout: /^-t(\d+)?$/ },
  { command: /^mysqladmin$/, timeout: /^--connect[-_]timeout(?:=(\d+))?$/ },
];

function lintExec(
  kind: ProbeKind,
  probe: PlainObject,
  timeoutSeconds: number,
  probePath: FieldPath,
  push: (rule: RuleInfo, path: FieldPath, message: string) => void,
): void {
  const exec = probe['exec'];
  if (!isObject(exec) || !Array.isArray(exec['command'])) return;
  const argv = exec['command'].filter((a): a is string => typeof a === 'string');
  // `sh -c "curl …"`: lint the script's words too.
  const tokens = argv.flatMap((a) => a.split(/\s+/)).filter((t) => t.length > 0);
  const base = (t: string): string => t.slice(t.lastIndexOf('/') + 1);
  if (tokens.some((t) => base(t) === 'timeout')) return; // wrapped in coreutils timeout
  const isProbekit = tokens.some((t, i) => base(t) === 'probekit' && tokens[i + 1] === 'check');
  const clients = isProbekit ? [{ command: /^probekit$/, timeout: /^--timeout(?:=(\d+(?:\.\d+)?)(?:s)?)?$/ }] : EXEC_CLIENTS;
  for (const client of clients) {
    const at = tokens.findIndex((t) => client.command.test(base(t)));
    if (at < 0) continue;
    const name = base(tokens[at] as string);
    let own: number | undefined;
    let found = false;
    for (let i = at + 1; i < tokens.length; i++) {
      const m = client.timeout.exec(tokens[i] as string);
      if (!m || (tokens[i] as string).length === 0) continue;
      found = true;
      const inline = m[1] ?? m[2];
      const next = tokens[i + 1];
      own = inline !== undefined ? Number(inline) : next !== undefined && /^\d+(?:\.\d+)?s?$/.test(next) ? Number.parseFloat(next) : undefined;
      if (isProbekit && own !== undefined && !/s$/.test(inline ?? next ?? '')) own = own / 1000; // probekit takes ms
      break;
    }
    const path = [...probePath, 'exec', 'command'];
    if (!found) {
      push(RULES.execIgnoresTimeout, path, `${PROBE_FIELD[kind]} runs \`${name}\` without a timeout of its own; the probe's timeoutSeconds is ${timeoutSeconds}s`);
    } else if (own !== undefined && own >= timeoutSeconds) {
      push(RULES.execIgnoresTimeout, path, `${PROBE_FIELD[kind]} runs \`${name}\` with a ${own}s timeout, not below the probe's timeoutSeconds (${timeoutSeconds}s)`);
    }
    return;
  }
}

/** preStop sleep seconds, from `lifecycle.preStop.sleep` or an exec `sleep N`. */
function preStopSleepSeconds(c: LongRunningContainer): number | undefined {
  const preStop = c.value['lifecycle'];
  if (!isObject(preStop) || !isObject(preStop['preStop'])) return undefined;
  const handler = preStop['preStop'];
  const sleep = handler['sleep'];
  if (isObject(sleep) && typeof sleep['seconds'] === 'number') return sleep['seconds'];
  const exec = handler['exec'];
  if (isObject(exec) && Array.isArray(exec['command'])) {
    const script = exec['command'].filter((a): a is string => typeof a === 'string').join(' ');
    const m = /(?:^|[\s;&|/])sleep\s+(\d+(?:\.\d+)?)/.exec(script);
    if (m?.[1] !== undefined) return Number(m[1]);
  }
  return undefined;
}

function lintShutdown(pod: PodTemplate, containers: readonly LongRunningContainer[], s: RuleSettings, out: RawFinding[]): void {
  const declared = pod.spec['terminationGracePeriodSeconds'];
  const grace = typeof declared === 'number' ? declared : DEFAULT_TERMINATION_GRACE_SECONDS;
  const suffix = typeof declared === 'number' ? '' : ' (the default)';
  const drain = s.drainSeconds;
  let anyPreStop = false;
  for (const c of containers) {
    const sleep = preStopSleepSeconds(c);
    if (sleep === undefined) continue;
    anyPreStop = true;
    // NOTE: the grace period covers preStop and the SIGTERM drain together (pkg/kubelet/kuberuntime/
    // kuberuntime_container.go killContainer: the preStop hook's time is subtracted from the grace).
    const total = sleep + (c.sidecar ? 0 : (drain ?? 0));
    if (total <= grace) continue;
    const parts = c.sidecar || drain === undefined ? `preStop sleep ${sleep}s` : `preStop sleep ${sleep}s + drain ${drain}s`;
    out.push({
      rule: RULES.shutdownExceedsGrace,
      path: typeof declared === 'number' ? [...pod.path, 'terminationGracePeriodSeconds'] : [...c.path, 'lifecycle', 'preStop'],
      container: c.name,
      message: `${parts} = ${total}s exceeds terminationGracePeriodSeconds ${grace}s${suffix}`,
    });
  }
  if (!anyPreStop && drain !== undefined && drain > grace) {
    out.push({
      rule: RULES.shutdownExceedsGrace,
      path: typeof declared === 'number' ? [...pod.path, 'terminationGracePeriodSeconds'] : pod.path,
      message: `drain ${drain}s exceeds terminationGracePeriodSeconds ${grace}s${suffix}`,
    });
  }
}
