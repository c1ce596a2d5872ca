import type { ProbeKind } from 'probekit/internal';
import type { AppSpec, RequestOutcome } from './app.js';
import { doBackOff, FlowcontrolBackoff, kubeletHasExpired } from './backoff.js';
import type { ResolvedProbeSpec } from './probe-spec.js';
import { ProbeWorker, type ContainerView, type ProbeOutcome, type ProbeResult } from './probe-worker.js';
import { DEFAULT_RELEASE, nextRelist, requeueAfterBackoff, type KubernetesRelease } from './release.js';
import { seededRandom } from './rng.js';
import type { Scheduler } from './scheduler.js';
import { Track } from './timeline.js';

/** The pod template: what every replica runs. */
export interface PodSpec {
  readonly probes: Partial<Record<ProbeKind, ResolvedProbeSpec>>;
  /** @default 30000 (the pod's terminationGracePeriodSeconds) */
  readonly terminationGracePeriodMs: number;
  /** A preStop hook that sleeps this long (0: none). @default 0 */
  readonly preStopMs: number;
  /** Time from pod creation (or restart) to the process running: image, sandbox, runtime. @default 0 */
  readonly containerStartMs: number;
  readonly app: AppSpec;
}

export type ContainerState = 'creating' | 'running' | 'terminating' | 'backoff' | 'gone';

/** A kubelet event worth showing on the timeline. */
export interface PodEvent {
  readonly at: number;
  readonly type: 'started' | 'kill' | 'sigterm' | 'sigkill' | 'exited' | 'backoff' | 'deleted' | 'stall' | 'wedge';
  readonly detail: string;
}

/** A failed probe, for the timeline. */
export interface ProbeFailure {
  readonly at: number;
  readonly kind: ProbeKind;
  readonly detail: string;
}

/** The process in a container: the simulated app, or a real child process in real mode. */
export interface PodProcess {
  probe(kind: ProbeKind, timeoutMs: number): ProbeOutcome | Promise<ProbeOutcome>;
  serve(): RequestOutcome | Promise<RequestOutcome>;
  /** SIGTERM: the process shuts down on its own and calls `exited` when gone. */
  sigterm(): void;
  /** SIGKILL (or the end of the run). */
  kill(): void;
  /** The end of a simulated run: drop the process without shutting anything down (nothing outside virtual time runs). */
  abandon?(): void;
  readonly exited: boolean;
  /** App faults. */
  stall(ms: number): void;
  wedge(): void;
}

/** Starts the process of a new container; it calls `exited` when it exits on its own. */
export type ProcessFactory = (pod: Pod, hooks: { readonly exited: () => void }) => PodProcess;

export interface PodHooks {
  /** Ready, deletion or removal changed: the endpoints controller looks again. */
  readonly changed: (pod: Pod) => void;
}

/** The kubelet the pod runs on: which release's timing, and its random source (requeue jitter). */
export interface KubeletSettings {
  /** @default DEFAULT_RELEASE */
  readonly release: KubernetesRelease;
  readonly random: () => number;
}

interface Container extends ContainerView {
  readonly app: PodProcess;
  running: boolean;
  started: boolean;
  terminating: boolean;
  /** Set when a failed liveness/startup probe kills it: the newest exited container in the status that sync read. */
  probeKill?: { readonly newestExitedAt: number | undefined };
}

const KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

/** One pod: one container, its kubelet probe workers, restarts with CrashLoopBackOff, termination. */
export class Pod {
  readonly name: string;
  readonly createdAt: number;
  readonly spec: PodSpec;
  readonly state = new Track<ContainerState>();
  readonly ready = new Track<'ready' | 'unready'>();
  readonly lb = new Track<'in' | 'out'>();
  readonly events: PodEvent[] = [];
  readonly failures: ProbeFailure[] = [];
  readonly probeRuns: Record<ProbeKind, number> = { startup: 0, liveness: 0, readiness: 0 };
  readonly probeFails: Record<ProbeKind, number> = { startup: 0, liveness: 0, readiness: 0 };
  restarts = 0;
  deletedAt: number | undefined;
  removedAt: number | undefined;
  readonly #scheduler: Scheduler;
  readonly #startProcess: ProcessFactory;
  readonly #hooks: PodHooks;
  readonly #kubelet: KubeletSettings;
  readonly #backoff: FlowcontrolBackoff;
  /** FinishedAt of the newest exited container, as the runtime reports it (the kubelet keeps at least one dead container). */
  #newestExitedAt: number | undefined;
  readonly #workers: ProbeWorker[] = [];
  #readinessWorker: ProbeWorker | undefined;
  #container: Container | undefined;
  #nextId = 1;
  #published: Partial<Record<ProbeKind, ProbeResult>> = {};
  #isReady = false;
  /** The run is over: nothing restarts, nothing more is recorded. */
  #finished = false;
  /** Faults applied to every process this pod runs, keyed by start time. */

  constructor(name: string, spec: PodSpec, scheduler: Scheduler, startProcess: ProcessFactory, hooks: PodHooks, kubelet: KubeletSettings = { release: DEFAULT_RELEASE, random: seededRandom(1) }) {
    this.name = name;
    this.spec = spec;
    this.#scheduler = scheduler;
    this.#kubelet = kubelet;
    // Stryker disable next-line ObjectLiteral: equivalent — with the default 300 s cap client-go's own expiry (> 2 × max) is the kubelet's > 600 s
    this.#backoff = new FlowcontrolBackoff(() => this.#scheduler.now, { hasExpired: kubeletHasExpired });
    this.#startProcess = startProcess;
    this.#hooks = hooks;
    this.createdAt = scheduler.now;
    this.state.set('creating', this.createdAt);
    this.ready.set('unready', this.createdAt);
    this.lb.set('out', this.createdAt);
  }

  /** Starts the kubelet's workers and the first container. */
  start(kubeletJustStarted: boolean, random: () => number): void {
    for (const kind of KINDS) {
      const spec = this.spec.probes[kind];
      if (!spec) continue;
      const worker = new ProbeWorker(kind, spec, this.#scheduler, {
        container: () => this.#container,
        deleting: () => this.deletedAt !== undefined,
        removed: () => this.removedAt !== undefined,
        probe: (k, timeoutMs) => this.#probe(k, timeoutMs),
        ran: (k, outcome, at) => this.#ran(k, outcome, at),
        publish: (k, result, id) => this.#publish(k, result, id),
      });
      this.#workers.push(worker);
      if (kind === 'readiness') this.#readinessWorker = worker;
      worker.start(kubeletJustStarted, random());
    }
    this.#scheduler.after(this.spec.containerStartMs, () => this.#startContainer());
  }

  /** An app fault for this pod's processes (the one running at `atMs`). */
  addAppFault(fault: { atMs: number; forMs: number; kind: 'stall' | 'wedge' }): void {
    this.#scheduler.at(fault.atMs, () => {
      const c = this.#container;
      if (!c || !c.running || c.app.exited) return;
      if (fault.kind === 'stall') c.app.stall(fault.forMs);
      else c.app.wedge();
      this.events.push({ at: this.#scheduler.now, type: fault.kind, detail: fault.kind === 'stall' ? `event loop blocked for ${fault.forMs / 1000} s` : 'background job wedged' });
    });
  }

  get isReady(): boolean {
    return this.#isReady;
  }

  get containerState(): ContainerState {
    return this.state.current ?? 'creating';
  }

  get currentBackoffMs(): number | undefined {
    return this.#backoff.get() || undefined;
  }

  /** A request routed here by the load balancer. */
  serve(): RequestOutcome | Promise<RequestOutcome> {
    const c = this.#container;
    if (!c || !c.running) return 'refused';
    return c.app.serve();
  }

  /** The pod is deleted (rolling update, scale down): terminating, then gone. */
  delete(): void {
    if (this.deletedAt !== undefined) return;
    const now = this.#scheduler.now;
    this.deletedAt = now;
    this.events.push({ at: now, type: 'deleted', detail: 'pod deleted' });
    this.#recomputeReady();
    this.#hooks.changed(this);
    const c = this.#container;
    if (c && c.running) this.#kill(c, 'pod deleted', this.spec.terminationGracePeriodMs);
    else this.#remove();
  }

  /** Ends the run: the process and the workers stop without any kubelet action. */
  shutdownNow(): void {
    this.#finished = true;
    for (const worker of this.#workers) worker.stop();
    const app = this.#container?.app;
    if (app?.abandon) app.abandon();
    else app?.kill();
  }

  #startContainer(): void {
    if (this.#finished) return;
    if (this.deletedAt !== undefined) return this.#remove();
    const id = this.#nextId++;
    // NOTE: restartCount counts containers started again, as `kubectl get pods` shows it.
    if (id > 1) this.restarts += 1;
    const app = this.#startProcess(this, { exited: () => this.#exited(container, 'exited after SIGTERM') });
    const container: Container = {
      id,
      app,
      running: true,
      startedAt: this.#scheduler.now,
      // NOTE: without a startup probe a running container counts as started (prober_manager.go@v1.34 UpdatePodStatus).
      started: this.spec.probes.startup === undefined,
      terminating: false,
    };
    this.#container = container;
    this.#published = {};
    this.state.set('running', container.startedAt);
    this.events.push({ at: container.startedAt, type: 'started', detail: id === 1 ? 'container started' : `container restarted (restart ${this.restarts})` });
    this.#recomputeReady();
    // The next PLEG relist sees the container running; that sync's status update triggers readiness.
    this.#scheduler.at(nextRelist(container.startedAt), () => {
      // Stryker disable next-line ConditionalExpression: equivalent — a replaced container has exited (running is never set back), and #triggerReadiness returns for one not running
      if (this.#container === container) this.#triggerReadiness(container);
    });
  }

  /**
   * NOTE: prober_manager.go@v1.34 UpdatePodStatus: a running, started container whose readiness is not
   * Success gets an immediate readiness probe (the worker's manual trigger). It runs on every status
   * update; the lab applies it to the two that move the schedule: the sync after the container is seen
   * running, and the sync after a startup success (kubelet.go@v1.34 syncLoopIteration → handleProbeSync).
   */
  #triggerReadiness(c: Container): void {
    if (!c.running || c.terminating || !c.started) return;
    if (this.#published.readiness === 'success') return;
    this.#readinessWorker?.trigger();
  }

  #probe(kind: ProbeKind, timeoutMs: number): ProbeOutcome | Promise<ProbeOutcome> {
    const c = this.#container!;
    return c.app.probe(kind, timeoutMs);
  }

  #ran(kind: ProbeKind, outcome: ProbeOutcome, at: number): void {
    this.probeRuns[kind] += 1;
    if (outcome.ok) return;
    this.probeFails[kind] += 1;
    this.failures.push({ at, kind, detail: outcome.detail });
  }

  #publish(kind: ProbeKind, result: ProbeResult, containerId: number): void {
    const c = this.#container;
    if (!c || c.id !== containerId) return;
    this.#published[kind] = result;
    const startupPassed = kind === 'startup' && result === 'success';
    if (startupPassed) c.started = true;
    if ((kind === 'liveness' || kind === 'startup') && result === 'failure' && c.running && !c.terminating) {
      // NOTE: kuberuntime_manager.go@v1.34 computePodActions puts the container in ContainersToKill and
      // ContainersToStart; SyncPod kills it, then starts its replacement in the same sync, with the status
      // read before the kill.
      // Stryker disable next-line OptionalChaining: equivalent — a liveness or startup result comes from a worker, and start() makes one only for a probe in the spec
      const grace = this.spec.probes[kind]?.terminationGracePeriodSeconds;
      c.probeKill = { newestExitedAt: this.#newestExitedAt };
      this.#kill(c, `${kind} probe failed`, grace === undefined ? this.spec.terminationGracePeriodMs : grace * 1000);
    }
    this.#recomputeReady();
    // NOTE: a startup success for a container already started comes only from a deleted pod's worker
    // (worker.go@v1.34 doProbe); that container is terminating, and #triggerReadiness returns for it.
    if (startupPassed) this.#triggerReadiness(c);
  }

  /**
   * kill → preStop → SIGTERM → grace → SIGKILL. NOTE: kuberuntime_container.go@v1.34 killContainer():
   * the preStop hook runs within the grace period, and at least 2 s (minimumGracePeriodInSeconds)
   * remain for SIGTERM afterwards. The hook's time is taken off the grace period in whole seconds
   * (kuberuntime_container.go@v1.34 executePreStopHook returns `int64(…Seconds())`): a 9.5 s hook takes 9 s off.
   */
  #kill(c: Container, reason: string, graceMs: number): void {
    if (c.terminating) return;
    c.terminating = true;
    const now = this.#scheduler.now;
    this.state.set('terminating', now);
    this.events.push({ at: now, type: 'kill', detail: `${reason}: killing (grace ${graceMs / 1000} s)` });
    const preStopMs = Math.min(this.spec.preStopMs, graceMs);
    const afterPreStopMs = Math.max(graceMs - Math.floor(preStopMs / 1000) * 1000, 2000);
    this.#scheduler.after(preStopMs, () => {
      if (!c.running) return;
      this.events.push({ at: this.#scheduler.now, type: 'sigterm', detail: 'SIGTERM' });
      c.app.sigterm();
      this.#scheduler.after(afterPreStopMs, () => {
        if (!c.running) return;
        this.events.push({ at: this.#scheduler.now, type: 'sigkill', detail: 'SIGKILL after the grace period' });
        c.app.kill();
        this.#exited(c, 'killed');
      });
    });
  }

  #exited(c: Container, how: string): void {
    if (!c.running || this.#finished) return;
    c.running = false;
    c.app.kill();
    const now = this.#scheduler.now;
    this.events.push({ at: now, type: 'exited', detail: how });
    this.#newestExitedAt = now;
    if (this.deletedAt !== undefined) return this.#remove();
    this.state.set('creating', now);
    this.#recomputeReady();
    // A probe kill: the same sync starts the replacement, deciding on the status it read before the kill.
    if (c.probeKill) return this.#sync(c.probeKill.newestExitedAt);
    // An exit of its own: the kubelet sees it at the next PLEG relist and syncs with the fresh status.
    this.#scheduler.at(nextRelist(now), () => this.#sync(this.#newestExitedAt));
  }

  /** One pod sync that wants the container started: doBackOff decides; in back-off the pod worker requeues. */
  #sync(newestExitedAt: number | undefined): void {
    if (
      this.#finished ||
      // Stryker disable next-line ConditionalExpression: equivalent — only #remove sets removedAt, always after delete() set deletedAt, so the next line returns through #remove, which does nothing for a removed pod
      this.removedAt !== undefined
    ) {
      return;
    }
    // Stryker disable next-line ConditionalExpression: equivalent — a sync runs while no container runs (after an exit, or a requeue), and delete() then removes the pod at once, so a deleted pod has returned above
    if (this.deletedAt !== undefined) return this.#remove();
    const now = this.#scheduler.now;
    const decision = doBackOff(this.#backoff, newestExitedAt);
    if (!decision.inBackOff) {
      this.state.set('creating', now);
      this.#scheduler.at(now + this.spec.containerStartMs, () => this.#startContainer());
      return;
    }
    if (this.state.current !== 'backoff') {
      this.state.set('backoff', now);
      this.events.push({ at: now, type: 'backoff', detail: `CrashLoopBackOff: back-off ${this.#backoff.get() / 1000} s` });
    }
    const next = requeueAfterBackoff(this.#kubelet.release, now, decision.untilMs, this.#kubelet.random);
    this.#scheduler.at(next, () => this.#sync(this.#newestExitedAt));
  }

  #remove(): void {
    if (this.removedAt !== undefined) return;
    const now = this.#scheduler.now;
    this.removedAt = now;
    this.state.set('gone', now);
    for (const worker of this.#workers) worker.stop();
    this.#recomputeReady();
    this.#hooks.changed(this);
  }

  /** The pod's Ready condition: the container runs, has started, and readiness passed (or has no probe). */
  #recomputeReady(): void {
    const c = this.#container;
    const started =
      c !== undefined &&
      (c.started ||
        // Stryker disable next-line ConditionalExpression: equivalent — a published startup success has set c.started in the same #publish, and both start over with each container
        this.#published.startup === 'success');
    const readiness = this.spec.probes.readiness === undefined || this.#published.readiness === 'success';
    const ready =
      c !== undefined &&
      c.running &&
      started &&
      readiness &&
      // Stryker disable next-line ConditionalExpression: equivalent — #remove is only reached with no container running, so c.running already rules a removed pod out
      this.removedAt === undefined;
    if (ready === this.#isReady) return;
    this.#isReady = ready;
    this.ready.set(ready ? 'ready' : 'unready', this.#scheduler.now);
    this.#hooks.changed(this);
  }
}
