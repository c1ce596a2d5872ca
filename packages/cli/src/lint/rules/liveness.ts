/**
 * Rules on what the liveness probe asks and how hard it pulls the trigger: a liveness failure
 * kills the container (pkg/kubelet/prober/worker.go publishes it after failureThreshold
 * consecutive failures; computePodActions in pkg/kubelet/kuberuntime/kuberuntime_manager.go kills).
 */
import { effectiveTiming, livenessToleranceSeconds } from 'probekit/internal';
import { isObject } from '../../manifests/workloads.js';
import type { PlainObject } from '../../manifests/workloads.js';
import { RULES } from '../rule-catalog.js';
import { resolvePort } from './context.js';
import type { ContainerContext, RuleSettings } from './context.js';

/** Path words that name a dependency rather than the process itself. */
const DEPENDENCY_WORDS = new Set([
  'db', 'database', 'databases', 'postgres', 'postgresql', 'pg', 'mysql', 'mariadb', 'mongo', 'mongodb', 'redis',
  'memcached', 'kafka', 'rabbit', 'rabbitmq', 'amqp', 'nats', 'mqtt', 'elastic', 'elasticsearch', 'opensearch',
  'cassandra', 'dynamodb', 's3', 'sql', 'ldap', 'smtp', 'dependency', 'dependencies', 'deps', 'downstream', 'upstream',
]);

const READINESS_WORDS = new Set(['ready', 'readyz', 'readiness']);

/** A run of capitals and the capital that starts the next word (`HTTPServer` → `HTTP`, `Se`). */
// Stryker disable next-line Regex: `([A-Z]+)` → `([A-Z])` puts the space at the same place (before the capital that starts `Xy`) and the match ends at the same character, so the /g scan resumes there too (checked on every string of up to 7 characters over A-C, a-b, 1, /, -, _)
const CAPITALS_BEFORE_WORD = /([A-Z]+)([A-Z][a-z])/g;

/** What separates the words of a lower-cased path. */
// Stryker disable next-line Regex: `[^a-z0-9]+` → `[^a-z0-9]` only adds empty words between adjacent separators, which pathWords' filter drops
const WORD_SEPARATORS = /[^a-z0-9]+/;

/** The words of a path: split at punctuation and at camelCase humps (`/healthz/redisCache` → healthz, redis, cache). */
export function pathWords(path: string): string[] {
  return path
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(CAPITALS_BEFORE_WORD, '$1 $2')
    .toLowerCase()
    .split(WORD_SEPARATORS)
    .filter((w) => w.length > 0);
}

/** Endpoints known to aggregate dependencies, and where the framework's liveness-only endpoint is. */
const AGGREGATE_ENDPOINTS: ReadonlyArray<{ readonly path: RegExp; readonly what: string; readonly fix: string }> = [
  {
    path: /(?:^|\/)actuator\/health\/?$/,
    what: "Spring Boot's `/actuator/health` aggregates every health indicator (database, disk, brokers)",
    fix: 'Point liveness at `/actuator/health/liveness` (the liveness group, on by default in Kubernetes) and readiness at `/actuator/health/readiness`.',
  },
  {
    path: /(?:^|\/)_cluster\/health(?:\/.*)?$/,
    what: "Elasticsearch's `/_cluster/health` reports the whole cluster, so one red index restarts every node",
    fix: 'Probe the node itself for liveness (a tcpSocket probe on the HTTP port, or `GET /`); keep cluster health for readiness or alerting.',
  },
  {
    path: /(?:^|\/)q\/health\/?$/,
    what: "Quarkus's `/q/health` aggregates liveness and readiness checks, datasources included",
    fix: 'Point liveness at `/q/health/live` and readiness at `/q/health/ready`.',
  },
];

/**
 * Query parameters that ask a health endpoint to check its dependencies too. Not `full`: Argo CD's
 * repo server answers `/healthz?full=true` by calling its own gRPC server (a self-check, meant
 * for liveness: argo-cd issue #5110), the opposite of a dependency check.
 */
const DEEP_QUERY = /[?&](deep|dependencies|deps|checkdependencies|includedependencies)(?:=(?:true|1|yes)?)?(?:&|$)/i;

export function httpPath(probe: PlainObject): string | undefined {
  const http = probe['httpGet'];
  if (!isObject(http)) return undefined;
  return typeof http['path'] === 'string' ? http['path'] : '/';
}

export function lintLiveness(ctx: ContainerContext, s: RuleSettings): void {
  const liveness = ctx.probes.get('liveness');
  if (!liveness) return;
  lintTrigger(ctx, liveness, s);
  lintLivenessPath(ctx, liveness);
  lintSharedEndpoint(ctx, liveness);
  const t = effectiveTiming(liveness);
  if (!ctx.probes.has('startup') && t.initialDelaySeconds >= s.slowBootHintSeconds) {
    ctx.push(RULES.startupMissingSlowBoot, ctx.probePath('liveness', 'initialDelaySeconds'), `livenessProbe.initialDelaySeconds is ${t.initialDelaySeconds}s and there is no startupProbe`);
  }
}

function lintTrigger(ctx: ContainerContext, liveness: PlainObject, s: RuleSettings): void {
  const t = effectiveTiming(liveness);
  if (t.failureThreshold === 1) {
    ctx.push(RULES.livenessFailureThresholdOne, ctx.probePath('liveness', 'failureThreshold'), 'livenessProbe.failureThreshold is 1: a single failed or slow probe restarts the container');
    return;
  }
  const tolerance = livenessToleranceSeconds(t);
  if (tolerance < s.minLivenessToleranceSeconds) {
    const at = liveness['periodSeconds'] !== undefined ? 'periodSeconds' : 'failureThreshold';
    ctx.push(
      RULES.livenessBlipIntolerant,
      ctx.probePath('liveness', at),
      `livenessProbe restarts the container after a ${tolerance}s outage ((${t.failureThreshold} - 1) x ${t.periodSeconds}s + ${t.timeoutSeconds}s timeout); tolerate at least ${s.minLivenessToleranceSeconds}s`,
    );
  }
}

function lintLivenessPath(ctx: ContainerContext, liveness: PlainObject): void {
  const full = httpPath(liveness);
  if (full === undefined) return;
  const at = ctx.probePath('liveness', 'httpGet', 'path');
  const [path = '', query = ''] = full.split(/\?(.*)/s);
  const aggregate = AGGREGATE_ENDPOINTS.find((a) => a.path.test(path));
  if (aggregate) {
    ctx.push(RULES.livenessAggregateEndpoint, at, `livenessProbe.httpGet.path \`${full}\`: ${aggregate.what}`, { fix: aggregate.fix });
    return;
  }
  const deep = DEEP_QUERY.exec(`?${query}`);
  // Stryker disable next-line ConditionalExpression: with query '' the regex sees just `?`, which names no parameter, so `deep` is already null
  if (query !== '' && deep) {
    ctx.push(RULES.livenessAggregateEndpoint, at, `livenessProbe.httpGet.path \`${full}\` asks the endpoint to check its dependencies (\`${deep[1] ?? ''}\`)`, {
      fix: `Drop \`${deep[1] ?? ''}\` from the liveness path; ask for the deep check on readiness only.`,
    });
    return;
  }
  const words = pathWords(path);
  const readinessWord = words.find((x) => READINESS_WORDS.has(x));
  const dependencyWord = words.find((x) => DEPENDENCY_WORDS.has(x));
  if (readinessWord) {
    ctx.push(RULES.livenessOnReadinessEndpoint, at, `livenessProbe.httpGet.path \`${full}\` is a readiness endpoint`);
  } else if (dependencyWord) {
    ctx.push(RULES.livenessChecksDependency, at, `livenessProbe.httpGet.path \`${full}\` names a dependency (\`${dependencyWord}\`)`);
  }
}

type EndpointKind = 'http' | 'tcp' | 'grpc' | 'exec';

/** A comparable description of what a probe hits, with named ports resolved. */
export function endpoint(ctx: ContainerContext, probe: PlainObject): { kind: EndpointKind; key: string } | undefined {
  const port = (value: unknown): string => String(resolvePort(ctx.c, value) ?? value);
  const http = probe['httpGet'];
  if (isObject(http)) {
    const path = typeof http['path'] === 'string' ? http['path'] : '/';
    const normal = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const scheme = typeof http['scheme'] === 'string' ? http['scheme'].toLowerCase() : 'http';
    const host = typeof http['host'] === 'string' ? http['host'] : '';
    return { kind: 'http', key: `${scheme === 'https' ? 'HTTPS ' : ''}GET ${host}:${port(http['port'])}${normal}` };
  }
  const tcp = probe['tcpSocket'];
  if (isObject(tcp)) return { kind: 'tcp', key: `TCP :${port(tcp['port'])}` };
  const grpc = probe['grpc'];
  if (isObject(grpc)) return { kind: 'grpc', key: `gRPC :${String(grpc['port'])} service "${typeof grpc['service'] === 'string' ? grpc['service'] : ''}"` };
  const exec = probe['exec'];
  if (isObject(exec) && Array.isArray(exec['command'])) {
    // grpc_health_probe asks the same gRPC health service a grpc probe does: it gets the gRPC fix.
    const grpcClient = exec['command'].some((t) => typeof t === 'string' && /(?:^|[\s/])grpc_health_probe(?:\s|$)/.test(t));
    return { kind: grpcClient ? 'grpc' : 'exec', key: `exec ${JSON.stringify(exec['command'])}` };
  }
  return undefined;
}

/**
 * Liveness and readiness on one endpoint. The documented pattern (kubernetes.io, "Configure
 * Liveness, Readiness and Startup Probes") is a cheap endpoint shared by both with a more
 * tolerant liveness: the pod leaves the load balancer first and is restarted only if the failure
 * lasts. The mistake is a liveness that fires as soon as readiness does. Startup sharing an
 * endpoint is fine: it only runs until the container has started.
 */
function lintSharedEndpoint(ctx: ContainerContext, liveness: PlainObject): void {
  const readiness = ctx.probes.get('readiness');
  if (!readiness) return;
  const a = endpoint(ctx, liveness);
  const b = endpoint(ctx, readiness);
  if (!a || !b || a.key !== b.key) return;
  const live = effectiveTiming(liveness);
  const ready = effectiveTiming(readiness);
  // Seconds of consecutive failures before each probe acts (the first failure counts at once).
  const liveAfter = live.failureThreshold * live.periodSeconds;
  const readyAfter = ready.failureThreshold * ready.periodSeconds;
  const strict = liveAfter <= readyAfter;
  const timing = `liveness acts after ${liveAfter}s of failures, readiness after ${readyAfter}s`;
  const path = ctx.probePath('liveness');
  if (a.kind === 'tcp') {
    // A TCP probe has no second endpoint to offer; only the thresholds can differ.
    if (strict) {
      ctx.push(RULES.sharedEndpoint, path, `livenessProbe and readinessProbe both probe ${a.key} and ${timing}`, {
        severity: 'note',
        fix: 'A TCP probe has no separate endpoint; give liveness a higher failureThreshold than readiness so a slow pod leaves the load balancer before it is restarted.',
      });
    }
    return;
  }
  const fix =
    a.kind === 'grpc'
      ? 'Register two service names in the gRPC health server (for example `liveness` reporting the process, `readiness` its dependencies) and set `grpc.service` on each probe; or give liveness a higher failureThreshold than readiness.'
      : 'Serve separate endpoints (/livez for "am I wedged?", /readyz for "can I serve?"), or keep the shared one cheap and give liveness a higher failureThreshold than readiness.';
  if (strict) {
    ctx.push(RULES.sharedEndpoint, path, `livenessProbe and readinessProbe both probe ${a.key} and ${timing}: every failure that takes the pod out of the load balancer also restarts it`, { fix });
  } else {
    ctx.push(RULES.sharedEndpoint, path, `livenessProbe and readinessProbe both probe ${a.key}; ${timing}, so the pod leaves the load balancer first (the documented pattern)`, {
      severity: 'note',
      fix: 'Nothing to fix if the endpoint checks only the process; if it checks dependencies, point liveness at one that does not.',
    });
  }
}
