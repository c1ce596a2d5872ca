import { SimDependency } from './model/dependency.js';
import { SimApp, type RequestOutcome } from './model/app.js';
import { Pod, type ContainerState, type PodEvent, type ProbeFailure, type ProcessFactory } from './model/pod.js';
import type { ProbeKind } from 'probekit/internal';
import { seededRandom } from './model/rng.js';
import type { DeploySpec, Fault, Scenario } from './scenario/scenario.js';
import { LoadBalancer, type BalancerKind } from './model/load-balancer.js';
import type { KubernetesRelease } from './model/release.js';
import { LabScheduler, type Scheduler } from './model/scheduler.js';
import { Track, type Segment } from './model/timeline.js';

export type FailureCause = Exclude<RequestOutcome, 'served'> | 'no-endpoints';

/** One pod's story. Times in ms from the start of the run. */
export interface PodReport {
  readonly name: string;
  readonly createdAt: number;
  readonly removedAt?: number;
  readonly restarts: number;
  readonly unreadySeconds: number;
  readonly probeRuns: Record<ProbeKind, number>;
  readonly probeFailures: Record<ProbeKind, number>;
  readonly state: readonly Segment<ContainerState>[];
  readonly ready: readonly Segment<'ready' | 'unready'>[];
  readonly loadBalancer: readonly Segment<'in' | 'out'>[];
  readonly failures: readonly ProbeFailure[];
  readonly events: readonly PodEvent[];
}

export interface TrafficReport {
  readonly total: number;
  readonly served: number;
  readonly failed: number;
  readonly byCause: Record<FailureCause, number>;
  /** Requests per bucket of `bucketMs`: served and failed. */
  readonly bucketMs: number;
  readonly servedPerBucket: readonly number[];
  readonly failedPerBucket: readonly number[];
}

export interface LabSummary {
  readonly restarts: number;
  readonly unreadySeconds: number;
  readonly requestsServed: number;
  readonly requestsFailed: number;
  /** Seconds in which the load balancer had no endpoint to send to, counted from the first moment it had one. */
  readonly outageSeconds: number;
  /** Seconds from the end of the last fault until every replica is back in the load balancer; null if never or no fault. */
  readonly recoverSeconds: number | null;
  /** `recovered`; `never`: some replica was still out of the load balancer when the run ended; `no fault` ended in the run. */
  readonly recovery: 'recovered' | 'never' | 'no fault';
}

export interface LabResult {
  /** `simulated` in virtual time, or `real`: real processes probed over HTTP in real time. */
  readonly mode: 'simulated' | 'real';
  readonly scenario: {
    readonly name: string;
    readonly description: string;
    readonly durationMs: number;
    readonly replicas: number;
    readonly seed: number;
    /** The Kubernetes release whose kubelet timing was played. */
    readonly kubernetes: KubernetesRelease;
    /** The load balancer the requests went through. */
    readonly loadBalancer: BalancerKind;
  };
  readonly pods: readonly PodReport[];
  readonly dependencies: ReadonlyArray<{ readonly name: string; readonly state: readonly Segment[] }>;
  /** Endpoints receiving traffic over time (ready ones, or kube-proxy's serving-terminating fallback). */
  readonly capacity: readonly Segment[];
  readonly traffic: TrafficReport;
  readonly summary: LabSummary;
  /** Simulation cost, for the benchmark. */
  readonly stats: { readonly events: number; readonly wallMs: number };
}

export const FAILURE_CAUSES: readonly FailureCause[] = ['no-endpoints', 'refused', 'booting', 'dependency', 'timeout'];

export interface SimulateOptions {
  /** Settle the engine's promises with a macrotask turn after each of its timers (slow; a cross-check). @default false */
  readonly macrotaskSettle?: boolean;
  /** Real mode: real time and real processes instead of the simulated app. @default the simulation */
  readonly runtime?: { readonly scheduler: Scheduler; readonly startProcess: ProcessFactory };
  /** Called every second of scenario time with the live figures. @default none */
  readonly progress?: (progress: LabProgress) => void;
}

/** The run so far, for a progress line. */
export interface LabProgress {
  readonly elapsedMs: number;
  readonly durationMs: number;
  /** Pods with the Ready condition now. */
  readonly ready: number;
  readonly replicas: number;
  readonly restarts: number;
  readonly requestsFailed: number;
}

/** Runs a scenario in virtual time and returns what happened. */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<LabResult> {
  const wallStart = performance.now();
  const lab = new LabScheduler({ macrotask: options.macrotaskSettle === true });
  const scheduler: Scheduler = options.runtime?.scheduler ?? lab;
  const deps = createDependencies(scenario);
  const startProcess: ProcessFactory =
    options.runtime?.startProcess ?? ((pod, hooks) => new SimApp(lab, pod.spec.app, deps, scenario.traffic.timeoutMs, hooks));
  const endpoints = createEndpoints(scenario, scheduler);
  const pods = createPods(scenario, scheduler, startProcess, endpoints);
  const traffic = startTraffic(scenario, scheduler, endpoints.balancer);
  if (options.progress) reportProgress(scenario, scheduler, pods.all, traffic, options.progress);

  await scheduler.runUntil(scenario.durationMs);
  await traffic.settled();
  const result = buildResult(scenario, options, pods.all, deps, endpoints.capacity, traffic, lab.events, wallStart);
  // Nothing may keep running after the report: stop every process still alive.
  for (const pod of pods.all) pod.shutdownNow();
  return result;
}

function reportProgress(scenario: Scenario, scheduler: Scheduler, pods: readonly Pod[], traffic: ReturnType<typeof startTraffic>, progress: (p: LabProgress) => void): void {
  const tick = (): void => {
    progress({
      elapsedMs: scheduler.now,
      durationMs: scenario.durationMs,
      ready: pods.filter((p) => p.isReady).length,
      replicas: scenario.replicas,
      restarts: pods.reduce((sum, p) => sum + p.restarts, 0),
      requestsFailed: FAILURE_CAUSES.reduce((sum, c) => sum + traffic.byCause[c], 0),
    });
    if (scheduler.now + 1000 < scenario.durationMs) scheduler.after(1000, tick);
  };
  scheduler.after(1000, tick);
}

function createDependencies(scenario: Scenario): Map<string, SimDependency> {
  const deps = new Map<string, SimDependency>();
  for (const [name, spec] of Object.entries(scenario.dependencies)) {
    const faults = scenario.faults.filter((f): f is Extract<Fault, { target: 'dependency' }> => f.target === 'dependency' && f.dependency === name);
    deps.set(name, new SimDependency(name, spec, faults, seededRandom(scenario.seed ^ hash(name))));
  }
  return deps;
}

/**
 * The EndpointSlice controller and the load balancer: a pod's conditions reach the balancer
 * `propagationDelay` after they change; each change costs O(1), whatever the number of replicas.
 */
function createEndpoints(scenario: Scenario, scheduler: Scheduler) {
  const capacity = new Track<string>();
  capacity.set('0', 0);
  const balancer = new LoadBalancer<Pod>(scenario.loadBalancer, (pod, routed) => pod.lb.set(routed ? 'in' : 'out', scheduler.now));
  const published = new Map<Pod, string>();
  const changed = (pod: Pod): void => {
    const gone = pod.removedAt !== undefined;
    // NOTE: EndpointSlice conditions: serving = Ready, terminating = deletion started, ready = serving && !terminating.
    const conditions = gone ? undefined : { serving: pod.isReady, terminating: pod.deletedAt !== undefined };
    const key = conditions === undefined ? 'gone' : `${conditions.serving}/${conditions.terminating}`;
    if (published.get(pod) === key) return;
    published.set(pod, key);
    scheduler.after(scenario.propagationDelayMs, () => {
      balancer.update(pod, conditions);
      capacity.set(String(balancer.size), scheduler.now);
    });
  };
  return { balancer, capacity, changed };
}

/** The initial replicas, their app faults, and the deployment controller's rolling update. */
function createPods(scenario: Scenario, scheduler: Scheduler, startProcess: ProcessFactory, endpoints: { changed: (pod: Pod) => void }) {
  const all: Pod[] = [];
  const random = seededRandom(scenario.seed);
  let deployment: { reconcile(): void } | undefined;
  const createPod = (name: string, justStarted: boolean): Pod => {
    const kubelet = { release: scenario.kubernetes, random: seededRandom(scenario.seed ^ hash(`kubelet/${name}`)) };
    const hooks = {
      changed: (p: Pod) => {
        endpoints.changed(p);
        deployment?.reconcile();
      },
    };
    const pod = new Pod(name, scenario.pod, scheduler, startProcess, hooks, kubelet);
    all.push(pod);
    pod.start(justStarted, random);
    return pod;
  };
  const initial: Pod[] = [];
  for (let i = 0; i < scenario.replicas; i++) initial.push(createPod(`pod-${i}`, scenario.kubeletJustStarted));
  for (const fault of scenario.faults) {
    if (fault.target !== 'app') continue;
    const hit = fault.pods === 'all' ? initial : fault.pods.map((i) => initial[i]).filter((p): p is Pod => p !== undefined);
    for (const pod of hit) pod.addAppFault(fault);
  }
  if (scenario.deploy) deployment = rollingUpdate(scenario, scenario.deploy, scheduler, initial, createPod);
  return { all, initial };
}

/** The deployment controller's rolling update: surge new pods, delete old ones once enough are available. */
function rollingUpdate(scenario: Scenario, deploy: DeploySpec, scheduler: Scheduler, initial: readonly Pod[], createPod: (name: string, justStarted: boolean) => Pod): { reconcile(): void } {
  let next = 0;
  let active = false;
  let queued = false;
  const newPods: Pod[] = [];
  const reconcile = (): void => {
    if (!active || queued) return;
    // One reconcile per instant, however many pods changed in it.
    queued = true;
    scheduler.after(0, () => {
      queued = false;
      const live = (p: Pod): boolean => p.deletedAt === undefined;
      const old = initial.filter(live);
      const fresh = newPods.filter(live);
      while (fresh.length < scenario.replicas && old.length + fresh.length < scenario.replicas + deploy.maxSurge) {
        const pod = createPod(`pod-v2-${next++}`, false);
        newPods.push(pod);
        fresh.push(pod);
      }
      const available = [...old, ...fresh].filter((p) => p.isReady).length;
      let canDelete = available - (scenario.replicas - deploy.maxUnavailable);
      const victims = [...old].sort((a, b) => Number(a.isReady) - Number(b.isReady));
      for (const pod of victims) {
        if (canDelete <= 0) break;
        if (pod.isReady) canDelete -= 1;
        pod.delete();
      }
    });
  };
  scheduler.at(deploy.atMs, () => {
    active = true;
    reconcile();
  });
  return { reconcile };
}

/** The request stream: evenly spaced, round-robin over the endpoints the load balancer routes to. */
function startTraffic(scenario: Scenario, scheduler: Scheduler, balancer: LoadBalancer<Pod>) {
  const bucketMs = 1000;
  const buckets = Math.ceil(scenario.durationMs / bucketMs);
  const servedPerBucket = new Array<number>(buckets).fill(0);
  const failedPerBucket = new Array<number>(buckets).fill(0);
  const byCause = Object.fromEntries(FAILURE_CAUSES.map((c) => [c, 0])) as Record<FailureCause, number>;
  const counts = { served: 0 };
  /** Real mode: requests still on the wire. */
  const inFlight = new Set<Promise<void>>();
  if (scenario.traffic.rps > 0) {
    const gap = 1000 / scenario.traffic.rps;
    let n = 0;
    const fire = (): void => {
      const bucket = Math.min(buckets - 1, Math.floor(scheduler.now / bucketMs));
      const count = (outcome: RequestOutcome | 'no-endpoints'): void => {
        if (outcome === 'served') {
          counts.served += 1;
          servedPerBucket[bucket]! += 1;
        } else {
          byCause[outcome] += 1;
          failedPerBucket[bucket]! += 1;
        }
      };
      const target = balancer.pick();
      if (target === undefined) count('no-endpoints');
      else {
        const outcome = target.serve();
        if (outcome instanceof Promise) {
          const settled: Promise<void> = outcome.then(count).finally(() => inFlight.delete(settled));
          inFlight.add(settled);
        } else count(outcome);
      }
      n += 1;
      const at = Math.round(gap / 2 + n * gap);
      if (at < scenario.durationMs) scheduler.at(at, fire);
    };
    scheduler.at(Math.round(gap / 2), fire);
  }
  return {
    bucketMs,
    servedPerBucket,
    failedPerBucket,
    byCause,
    get served() {
      return counts.served;
    },
    settled: async (): Promise<void> => {
      await Promise.all(inFlight);
    },
  };
}

function buildResult(
  scenario: Scenario,
  options: SimulateOptions,
  pods: readonly Pod[],
  deps: Map<string, SimDependency>,
  capacity: Track<string>,
  traffic: ReturnType<typeof startTraffic>,
  events: number,
  wallStart: number,
): LabResult {
  const end = scenario.durationMs;
  const reports = pods.map((pod) => podReport(pod, end));
  const capacitySegments = capacity.close(end);
  const { byCause, bucketMs, servedPerBucket, failedPerBucket, served } = traffic;
  const failed = FAILURE_CAUSES.reduce((sum, c) => sum + byCause[c], 0);
  return {
    mode: options.runtime ? 'real' : 'simulated',
    scenario: {
      name: scenario.name,
      description: scenario.description,
      durationMs: end,
      replicas: scenario.replicas,
      seed: scenario.seed,
      kubernetes: scenario.kubernetes,
      loadBalancer: scenario.loadBalancer,
    },
    pods: reports,
    dependencies: [...deps.values()].map((dep) => ({ name: dep.name, state: dependencyTrack(dep, end) })),
    capacity: capacitySegments,
    traffic: { total: served + failed, served, failed, byCause, bucketMs, servedPerBucket, failedPerBucket },
    summary: {
      restarts: reports.reduce((sum, p) => sum + p.restarts, 0),
      unreadySeconds: round(reports.reduce((sum, p) => sum + p.unreadySeconds, 0)),
      requestsServed: served,
      requestsFailed: failed,
      outageSeconds: outage(capacitySegments, end),
      recoverSeconds: recover(scenario, capacitySegments, end),
      recovery: recovery(scenario, capacitySegments, end),
    },
    stats: { events, wallMs: Math.round(performance.now() - wallStart) },
  };
}

function podReport(pod: Pod, end: number): PodReport {
  const until = Math.min(pod.removedAt ?? end, end);
  const state = pod.state.close(end);
  const ready = pod.ready.close(end);
  return {
    name: pod.name,
    createdAt: pod.createdAt,
    ...(pod.removedAt === undefined ? {} : { removedAt: pod.removedAt }),
    restarts: pod.restarts,
    unreadySeconds: round(pod.ready.total('unready', pod.createdAt, until) / 1000),
    probeRuns: { ...pod.probeRuns },
    probeFailures: { ...pod.probeFails },
    state,
    ready,
    loadBalancer: pod.lb.close(end),
    failures: pod.failures,
    events: pod.events,
  };
}

function dependencyTrack(dep: SimDependency, end: number): Segment[] {
  const track = new Track<string>();
  track.set('up', 0);
  const points = new Set<number>([0]);
  for (const f of dep.faults) {
    points.add(f.atMs);
    if (f.atMs + f.forMs < end) points.add(f.atMs + f.forMs);
  }
  for (const t of [...points].sort((a, b) => a - b)) {
    if (t >= end) continue;
    const fault = dep.faultAt(t);
    track.set(fault ? fault.kind : 'up', t);
  }
  return track.close(end);
}

function outage(capacity: readonly Segment[], end: number): number {
  const first = capacity.find((s) => s.value !== '0');
  if (!first) return round(end / 1000);
  let sum = 0;
  for (const s of capacity) if (s.value === '0' && s.from >= first.from) sum += Math.min(s.to, end) - s.from;
  return round(sum / 1000);
}

function recover(scenario: Scenario, capacity: readonly Segment[], end: number): number | null {
  const ends = scenario.faults.map((f) => f.atMs + f.forMs).filter((t) => t <= end);
  if (ends.length === 0) return null;
  const faultEnd = Math.max(...ends);
  for (const s of capacity) {
    if (s.to <= faultEnd) continue;
    if (Number(s.value) >= scenario.replicas) return round((Math.max(s.from, faultEnd) - faultEnd) / 1000);
  }
  return null;
}

function recovery(scenario: Scenario, capacity: readonly Segment[], end: number): LabSummary['recovery'] {
  if (!scenario.faults.some((f) => f.atMs + f.forMs <= end)) return 'no fault';
  return recover(scenario, capacity, end) === null ? 'never' : 'recovered';
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
