import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readManifests, type FieldPath, type ManifestDocument } from '../../manifests/manifest-reader.js';
import { objectsOf, podTemplateOf } from '../../manifests/workloads.js';
import type { CheckOptions, ProbeKind } from 'probekit/internal';
import { PROBE_KINDS } from 'probekit/internal';
import type { AppCheckSpec, AppHeartbeatSpec, AppSpec } from '../model/app.js';
import { dependencyDefaults, type DependencyFaultKind, type DependencySpec } from '../model/dependency.js';
import type { PodSpec } from '../model/pod.js';
import { DEFAULT_RELEASE, KUBERNETES_RELEASES } from '../model/release.js';
import { BALANCERS } from '../model/load-balancer.js';
import { resolveProbeSpec, type ResolvedProbeSpec } from '../model/probe-spec.js';
import type { DeploySpec, Fault, Scenario } from './scenario.js';

/** A scenario file that is not valid, with the position of the offending field. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(file: string, line: number, column: number, message: string, options?: ErrorOptions) {
    super(`${file}:${line}:${column}: ${message}`, options);
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** Every default of a scenario file, in the file's own units. */
export const scenarioDefaults = {
  duration: '10m',
  seed: 1,
  replicas: 3,
  justStarted: true,
  kubernetes: DEFAULT_RELEASE,
  propagationDelay: '2s',
  loadBalancer: 'kube-proxy',
  rps: 10,
  requestTimeout: '10s',
  terminationGracePeriodSeconds: 30,
  preStop: '0s',
  containerStart: '0s',
  boot: '0s',
  listen: 'at-start',
  probeServer: 'worker',
  responseTime: '0ms',
  maxBlockMs: 5000,
  maxLagMs: 1000,
  drainDelay: '0s',
  keepReadyDuringDrain: false,
  exitDelay: '0s',
  heartbeatEvery: '1s',
  maxSurge: 1,
  maxUnavailable: 0,
} as const;

const DEPENDENCY_FAULTS: readonly DependencyFaultKind[] = ['down', 'hang', 'slow', 'flapping', 'jitter'];
const CHECK_OPTION_KEYS = ['timeoutMs', 'intervalMs', 'failingIntervalMs', 'critical', 'failureThreshold', 'successThreshold'] as const;

/** Reads and validates a scenario file (YAML). */
export async function loadScenario(file: string): Promise<Scenario> {
  const text = await readFile(file, 'utf8');
  return parseScenario(text, file, dirname(resolve(file)));
}

/** Parses scenario YAML; `baseDir` resolves a referenced manifest. */
export async function parseScenario(text: string, file: string, baseDir = process.cwd()): Promise<Scenario> {
  const { documents, problems } = readManifests(text, file);
  const problem = problems[0];
  if (problem) throw new ScenarioError(file, problem.line, problem.column, problem.message);
  const doc = documents[0];
  if (!doc) throw new ScenarioError(file, 1, 1, 'the file holds no scenario');
  const r = new Reader(doc, file);
  const root = r.object([], doc.value, ['name', 'description', 'kubernetes', 'duration', 'seed', 'replicas', 'kubelet', 'cluster', 'traffic', 'pod', 'app', 'dependencies', 'faults', 'deploy']);
  const name = r.string(['name'], root['name']);
  const description = root['description'] === undefined ? '' : r.string(['description'], root['description']);
  const durationMs = r.duration(['duration'], root['duration'] ?? scenarioDefaults.duration, 1000);
  const seed = r.integer(['seed'], root['seed'] ?? scenarioDefaults.seed, 0);
  // A YAML `1.34` is a number: read it as the release it spells.
  const release = root['kubernetes'] ?? scenarioDefaults.kubernetes;
  const kubernetes = r.oneOf(['kubernetes'], typeof release === 'number' ? String(release) : release, KUBERNETES_RELEASES);
  const replicas = r.integer(['replicas'], root['replicas'] ?? scenarioDefaults.replicas, 1);
  const kubelet = r.object(['kubelet'], root['kubelet'] ?? {}, ['justStarted']);
  const cluster = r.object(['cluster'], root['cluster'] ?? {}, ['propagationDelay', 'loadBalancer']);
  const traffic = r.object(['traffic'], root['traffic'] ?? {}, ['rps', 'timeout']);

  const depsIn = r.object(['dependencies'], root['dependencies'] ?? {}, undefined);
  // NOTE: keyed by names from the scenario file: without a prototype, `constructor` is a name like any other.
  const dependencies: Record<string, DependencySpec> = Object.create(null) as Record<string, DependencySpec>;
  for (const [depName, raw] of Object.entries(depsIn)) {
    const d = r.object(['dependencies', depName], raw ?? {}, ['latency', 'errorLatency']);
    dependencies[depName] = {
      latencyMs: r.duration(['dependencies', depName, 'latency'], d['latency'] ?? `${dependencyDefaults.latencyMs}ms`, 0),
      errorMs: r.duration(['dependencies', depName, 'errorLatency'], d['errorLatency'] ?? `${dependencyDefaults.errorMs}ms`, 0),
    };
  }

  const app = readApp(r, root['app'] ?? {}, dependencies);
  const pod = await readPod(r, root['pod'] ?? {}, app, baseDir);
  const faults = readFaults(r, root['faults'] ?? [], dependencies, replicas, durationMs);
  let deploy: DeploySpec | undefined;
  if (root['deploy'] !== undefined) {
    const d = r.object(['deploy'], root['deploy'], ['at', 'maxSurge', 'maxUnavailable']);
    deploy = {
      atMs: r.duration(['deploy', 'at'], d['at'], 0),
      maxSurge: r.integer(['deploy', 'maxSurge'], d['maxSurge'] ?? scenarioDefaults.maxSurge, 0),
      maxUnavailable: r.integer(['deploy', 'maxUnavailable'], d['maxUnavailable'] ?? scenarioDefaults.maxUnavailable, 0),
    };
    if (deploy.maxSurge === 0 && deploy.maxUnavailable === 0) r.fail(['deploy'], 'needs `maxSurge` or `maxUnavailable` above 0 (Kubernetes rejects both 0)');
  }
  return {
    name,
    description,
    durationMs,
    seed,
    replicas,
    kubernetes,
    kubeletJustStarted: r.boolean(['kubelet', 'justStarted'], kubelet['justStarted'] ?? scenarioDefaults.justStarted),
    pod,
    dependencies,
    faults,
    traffic: {
      rps: r.number(['traffic', 'rps'], traffic['rps'] ?? scenarioDefaults.rps, 0),
      timeoutMs: r.duration(['traffic', 'timeout'], traffic['timeout'] ?? scenarioDefaults.requestTimeout, 1),
    },
    propagationDelayMs: r.duration(['cluster', 'propagationDelay'], cluster['propagationDelay'] ?? scenarioDefaults.propagationDelay, 0),
    loadBalancer: r.oneOf(['cluster', 'loadBalancer'], cluster['loadBalancer'] ?? scenarioDefaults.loadBalancer, BALANCERS),
    ...(deploy === undefined ? {} : { deploy }),
  };
}

function readApp(r: Reader, raw: unknown, dependencies: Record<string, DependencySpec>): AppSpec {
  const a = r.object(['app'], raw, ['boot', 'listen', 'probeServer', 'responseTime', 'maxBlockMs', 'maxLagMs', 'allowLivenessDependencies', 'checks', 'heartbeats', 'requestsUse', 'shutdown']);
  const deps = Object.keys(dependencies);
  const checks: AppCheckSpec[] = r.array(['app', 'checks'], a['checks'] ?? []).map((item, i) => {
    const path = ['app', 'checks', i];
    const c = r.object(path, item, ['name', 'probes', 'uses', ...CHECK_OPTION_KEYS]);
    const name = r.string([...path, 'name'], c['name']);
    const probes = r.array([...path, 'probes'], c['probes']).map((p, j) => r.oneOf([...path, 'probes', j], p, PROBE_KINDS)) as ProbeKind[];
    if (probes.length === 0) r.fail([...path, 'probes'], 'must name at least one probe');
    const uses = r.oneOf([...path, 'uses'], c['uses'], ['boot', ...deps]);
    const options: Record<string, number | boolean> = {};
    for (const key of CHECK_OPTION_KEYS) {
      if (c[key] === undefined) continue;
      options[key] = key === 'critical' ? r.boolean([...path, key], c[key]) : r.integer([...path, key], c[key], 1);
    }
    return { name, probes, uses, options: options as CheckOptions };
  });
  const heartbeats: AppHeartbeatSpec[] = r.array(['app', 'heartbeats'], a['heartbeats'] ?? []).map((item, i) => {
    const path = ['app', 'heartbeats', i];
    const h = r.object(path, item, ['name', 'timeout', 'every']);
    return {
      name: r.string([...path, 'name'], h['name']),
      timeoutMs: r.duration([...path, 'timeout'], h['timeout'], 1),
      everyMs: r.duration([...path, 'every'], h['every'] ?? scenarioDefaults.heartbeatEvery, 1),
    };
  });
  const shutdown = r.object(['app', 'shutdown'], a['shutdown'] ?? {}, ['drainDelay', 'exitDelay', 'keepReadyDuringDrain']);
  const allow = r.array(['app', 'allowLivenessDependencies'], a['allowLivenessDependencies'] ?? []).map((n, i) => r.string(['app', 'allowLivenessDependencies', i], n));
  return {
    bootMs: r.duration(['app', 'boot'], a['boot'] ?? scenarioDefaults.boot, 0),
    listen: r.oneOf(['app', 'listen'], a['listen'] ?? scenarioDefaults.listen, ['at-start', 'after-boot'] as const),
    probeServer: r.oneOf(['app', 'probeServer'], a['probeServer'] ?? scenarioDefaults.probeServer, ['worker', 'main'] as const),
    responseMs: r.duration(['app', 'responseTime'], a['responseTime'] ?? scenarioDefaults.responseTime, 0),
    maxBlockMs: r.integer(['app', 'maxBlockMs'], a['maxBlockMs'] ?? scenarioDefaults.maxBlockMs, 0),
    maxLagMs: r.integer(['app', 'maxLagMs'], a['maxLagMs'] ?? scenarioDefaults.maxLagMs, 0),
    allowLivenessDependencies: allow,
    checks,
    heartbeats,
    requestsUse: r.array(['app', 'requestsUse'], a['requestsUse'] ?? []).map((n, i) => r.oneOf(['app', 'requestsUse', i], n, deps)),
    drainDelayMs: r.duration(['app', 'shutdown', 'drainDelay'], shutdown['drainDelay'] ?? scenarioDefaults.drainDelay, 0),
    exitDelayMs: r.duration(['app', 'shutdown', 'exitDelay'], shutdown['exitDelay'] ?? scenarioDefaults.exitDelay, 0),
    keepReadyDuringDrain: r.boolean(['app', 'shutdown', 'keepReadyDuringDrain'], shutdown['keepReadyDuringDrain'] ?? scenarioDefaults.keepReadyDuringDrain),
  };
}

async function readPod(r: Reader, raw: unknown, app: AppSpec, baseDir: string): Promise<PodSpec> {
  const p = r.object(['pod'], raw, ['terminationGracePeriodSeconds', 'preStop', 'containerStart', 'startupProbe', 'livenessProbe', 'readinessProbe', 'manifest']);
  let graceSeconds = p['terminationGracePeriodSeconds'];
  let preStop = p['preStop'];
  const probes: Partial<Record<ProbeKind, ResolvedProbeSpec>> = {};
  const probeBlocks: Partial<Record<ProbeKind, { value: unknown; where: (path: FieldPath, message: string) => never }>> = {};
  if (p['manifest'] !== undefined) {
    const m = r.object(['pod', 'manifest'], p['manifest'], ['file', 'container']);
    const manifestFile = resolve(baseDir, r.string(['pod', 'manifest', 'file'], m['file']));
    const container = m['container'] === undefined ? undefined : r.string(['pod', 'manifest', 'container'], m['container']);
    const fromManifest = await readManifestPod(r, manifestFile, container);
    graceSeconds ??= fromManifest.graceSeconds;
    preStop ??= fromManifest.preStopSeconds === undefined ? undefined : `${fromManifest.preStopSeconds}s`;
    Object.assign(probeBlocks, fromManifest.probes);
  }
  for (const kind of PROBE_KINDS) {
    const key = `${kind}Probe`;
    if (p[key] !== undefined) probeBlocks[kind] = { value: p[key], where: (path, message) => r.failAt(['pod', key, ...path], message) };
  }
  for (const kind of PROBE_KINDS) {
    const block = probeBlocks[kind];
    if (!block) continue;
    if (block.value === null || typeof block.value !== 'object' || Array.isArray(block.value)) {
      return block.where([], `Expected \`${kind}Probe\` to be a mapping of probe fields, got \`${JSON.stringify(block.value)}\``);
    }
    const value = block.value as Record<string, unknown>;
    const timing: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      // The handler (httpGet, tcpSocket, exec, grpc) is taken to reach probekit's endpoints.
      if (['httpGet', 'tcpSocket', 'exec', 'grpc'].includes(key)) continue;
      timing[key] = field;
    }
    try {
      probes[kind] = resolveProbeSpec(kind, timing);
    } catch (error) {
      const field = /`\w+Probe\.(\w+)`/.exec((error as Error).message)?.[1];
      return block.where(field === undefined ? [] : [field], (error as Error).message);
    }
  }
  return {
    probes,
    terminationGracePeriodMs: r.integer(['pod', 'terminationGracePeriodSeconds'], graceSeconds ?? scenarioDefaults.terminationGracePeriodSeconds, 0) * 1000,
    preStopMs: r.duration(['pod', 'preStop'], preStop ?? scenarioDefaults.preStop, 0),
    containerStartMs: r.duration(['pod', 'containerStart'], p['containerStart'] ?? scenarioDefaults.containerStart, 0),
    app,
  };
}

/** The probe blocks, grace period and preStop sleep of one container in a real manifest. */
async function readManifestPod(
  r: Reader,
  file: string,
  containerName: string | undefined,
): Promise<{ probes: Partial<Record<ProbeKind, { value: unknown; where: (path: FieldPath, message: string) => never }>>; graceSeconds?: number; preStopSeconds?: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return r.fail(['pod', 'manifest', 'file'], `cannot read ${file}: ${(error as Error).message}`);
  }
  const { documents, problems } = readManifests(text, file);
  const problem = problems[0];
  if (problem) throw new ScenarioError(file, problem.line, problem.column, problem.message);
  for (const doc of documents) {
    for (const object of objectsOf(doc.value)) {
      const template = podTemplateOf(object);
      if (!template) continue;
      const containers = Array.isArray(template.spec['containers']) ? (template.spec['containers'] as Record<string, unknown>[]) : [];
      const index = containerName === undefined ? 0 : containers.findIndex((c) => c['name'] === containerName);
      const container = containers[index];
      if (!container) continue;
      const base = [...template.path, 'containers', index];
      const probes: Partial<Record<ProbeKind, { value: unknown; where: (path: FieldPath, message: string) => never }>> = {};
      for (const kind of PROBE_KINDS) {
        const key = `${kind}Probe`;
        if (container[key] === undefined) continue;
        probes[kind] = {
          value: container[key],
          where: (path, message) => {
            const pos = doc.locate([...base, key, ...path], 'value');
            throw new ScenarioError(file, pos.line, pos.column, `${object.kind}/${object.name} container \`${String(container['name'])}\`: ${message}`);
          },
        };
      }
      const grace = template.spec['terminationGracePeriodSeconds'];
      const preStop = preStopSleep(container);
      return {
        probes,
        ...(typeof grace === 'number' ? { graceSeconds: grace } : {}),
        ...(preStop === undefined ? {} : { preStopSeconds: preStop }),
      };
    }
  }
  return r.fail(['pod', 'manifest'], `no pod template${containerName === undefined ? '' : ` with a container named \`${containerName}\``} in ${file}`);
}

/** A preStop hook that sleeps: `sleep: {seconds}` or `exec: [sleep, N]` / `sh -c "sleep N"`. */
function preStopSleep(container: Record<string, unknown>): number | undefined {
  const preStop = (container['lifecycle'] as Record<string, unknown> | undefined)?.['preStop'] as Record<string, unknown> | undefined;
  if (!preStop) return undefined;
  const sleep = preStop['sleep'] as Record<string, unknown> | undefined;
  if (typeof sleep?.['seconds'] === 'number') return sleep['seconds'];
  const command = (preStop['exec'] as Record<string, unknown> | undefined)?.['command'];
  if (Array.isArray(command)) {
    const match = /\bsleep\s+(\d+)/.exec(command.join(' '));
    if (match) return Number(match[1]);
  }
  return undefined;
}

function readFaults(r: Reader, raw: unknown, dependencies: Record<string, DependencySpec>, replicas: number, durationMs: number): Fault[] {
  return r.array(['faults'], raw).map((item, i): Fault => {
    const path = ['faults', i];
    const f = r.object(path, item, ['dependency', 'app', 'kind', 'at', 'for', 'latency', 'min', 'max', 'period', 'pods']);
    const atMs = r.duration([...path, 'at'], f['at'], 0);
    if (atMs >= durationMs) r.fail([...path, 'at'], `starts at ${atMs / 1000} s, but the run ends at ${durationMs / 1000} s (\`duration\`)`);
    const forMs = f['for'] === undefined ? durationMs - atMs : r.duration([...path, 'for'], f['for'], 1);
    if (f['app'] !== undefined) {
      const kind = r.oneOf([...path, 'app'], f['app'], ['stall', 'wedge'] as const);
      let pods: number[] | 'all' = 'all';
      if (f['pods'] !== undefined && f['pods'] !== 'all') {
        pods = r.array([...path, 'pods'], f['pods']).map((n, j) => {
          const index = r.integer([...path, 'pods', j], n, 0);
          if (index >= replicas) r.fail([...path, 'pods', j], `is replica ${index}, but there are only ${replicas} (0-based)`);
          return index;
        });
      }
      return { target: 'app', kind, atMs, forMs, pods };
    }
    if (f['dependency'] === undefined) r.fail(path, 'needs `dependency: <name>` or `app: stall|wedge`');
    const dependency = r.oneOf([...path, 'dependency'], f['dependency'], Object.keys(dependencies));
    const kind = r.oneOf([...path, 'kind'], f['kind'], DEPENDENCY_FAULTS);
    if (kind === 'jitter') {
      // The dependency's own defaults (SimDependency): min 0 ms, max 1000 ms.
      const min = f['min'] === undefined ? 0 : r.duration([...path, 'min'], f['min'], 0);
      const max = f['max'] === undefined ? 1000 : r.duration([...path, 'max'], f['max'], 0);
      if (min > max) r.fail([...path, f['min'] === undefined ? 'max' : 'min'], `gives a jitter from ${min} ms to ${max} ms: \`min\` must not be more than \`max\``);
    }
    return {
      target: 'dependency',
      dependency,
      kind,
      atMs,
      forMs,
      ...(f['latency'] === undefined ? {} : { latencyMs: r.duration([...path, 'latency'], f['latency'], 0) }),
      ...(f['min'] === undefined ? {} : { minMs: r.duration([...path, 'min'], f['min'], 0) }),
      ...(f['max'] === undefined ? {} : { maxMs: r.duration([...path, 'max'], f['max'], 0) }),
      ...(f['period'] === undefined ? {} : { periodMs: r.duration([...path, 'period'], f['period'], 1) }),
    };
  });
}

/** Validators that throw a positioned ScenarioError naming the field and the value. */
class Reader {
  readonly #doc: ManifestDocument;
  readonly #file: string;

  constructor(doc: ManifestDocument, file: string) {
    this.#doc = doc;
    this.#file = file;
  }

  fail(path: FieldPath, message: string): never {
    const pos = this.#doc.locate(path, 'value');
    const where = path.length === 0 ? 'the scenario' : `\`${pathText(path)}\``;
    throw new ScenarioError(this.#file, pos.line, pos.column, `${where} ${message}`.trim());
  }

  /** A positioned error with a message of its own. */
  failAt(path: FieldPath, message: string): never {
    const pos = this.#doc.locate(path, 'value');
    throw new ScenarioError(this.#file, pos.line, pos.column, message);
  }

  object(path: FieldPath, value: unknown, keys: readonly string[] | undefined): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, `must be a mapping, got ${show(value)}`);
    const obj = value as Record<string, unknown>;
    if (keys) {
      for (const key of Object.keys(obj)) {
        if (!keys.includes(key)) {
          const pos = this.#doc.locate([...path, key], 'key');
          throw new ScenarioError(this.#file, pos.line, pos.column, `unknown field \`${pathText([...path, key])}\`; expected one of ${keys.map((k) => `\`${k}\``).join(', ')}`);
        }
      }
    }
    return obj;
  }

  array(path: FieldPath, value: unknown): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `must be a list, got ${show(value)}`);
    return value as unknown[];
  }

  string(path: FieldPath, value: unknown): string {
    if (typeof value !== 'string' || value === '') this.fail(path, `must be a non-empty string, got ${show(value)}`);
    return value as string;
  }

  boolean(path: FieldPath, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(path, `must be true or false, got ${show(value)}`);
    return value as boolean;
  }

  number(path: FieldPath, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) this.fail(path, `must be a number of at least ${min}, got ${show(value)}`);
    return value as number;
  }

  integer(path: FieldPath, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) this.fail(path, `must be an integer of at least ${min}, got ${show(value)}`);
    return value as number;
  }

  oneOf<T extends string>(path: FieldPath, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      if (allowed.length === 0) this.fail(path, `names ${show(value)}, but no dependency is declared (add it under \`dependencies:\`)`);
      this.fail(path, `must be one of ${allowed.map((a) => `\`${a}\``).join(', ')}, got ${show(value)}`);
    }
    return value as T;
  }

  /** A duration: a number of seconds, or a string like `500ms`, `20s`, `5m`, `1h`, `1m30s`. Returns ms. */
  duration(path: FieldPath, value: unknown, minMs: number): number {
    const ms = parseScenarioDuration(value);
    if (ms === undefined) this.fail(path, `must be a duration (seconds, or like \`500ms\`, \`20s\`, \`5m\`, \`1h30m\`), got ${show(value)}`);
    if (ms! < minMs) this.fail(path, `must be at least ${minMs} ms, got ${show(value)}`);
    return ms!;
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A scenario duration → milliseconds: a YAML number is seconds (`90`), a string carries its unit (`"500ms"`, `"20s"`, `"1h30m"`). Not the CLI's `--timeout` (probekit check's parseFlagDuration, where a bare number is ms). */
export function parseScenarioDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return Math.round(total);
}

function pathText(path: FieldPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : `\`${JSON.stringify(value)}\``;
}
