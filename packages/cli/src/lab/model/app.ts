import { HealthEngine } from 'probekit/internal';
import { evaluate, sameLines, type ProbeVerdict } from 'probekit/internal';
import { takesRunAbort } from 'probekit/internal';
import type { CheckOptions, HealthSnapshot, ProbeKind } from 'probekit/internal';
import type { Heartbeat } from 'probekit/internal';
import type { SimDependency } from './dependency.js';
import type { ProbeOutcome } from './probe-worker.js';
import { ProcessClock, type LabScheduler } from './scheduler.js';

/** A check the simulated app registers on its real probekit engine. */
export interface AppCheckSpec {
  readonly name: string;
  readonly probes: readonly ProbeKind[];
  /** A dependency name, or `boot`: passes once the app finished booting. */
  readonly uses: string;
  readonly options: CheckOptions;
}

/** A background job that beats a probekit heartbeat. */
export interface AppHeartbeatSpec {
  readonly name: string;
  readonly timeoutMs: number;
  /** @default 1000 */
  readonly everyMs: number;
}

/** The service inside each container. */
export interface AppSpec {
  /** Warm-up before the app can serve. @default 0 */
  readonly bootMs: number;
  /** When the ports open: at process start (probekit's probe server) or only after boot. @default 'at-start' */
  readonly listen: 'at-start' | 'after-boot';
  /** Where probes are answered: probekit's worker thread or the main event loop. @default 'worker' */
  readonly probeServer: 'worker' | 'main';
  /** Time to answer a probe or a request when nothing is wrong. @default 0 */
  readonly responseMs: number;
  /** Engine option (see createHealth). @default 5000 */
  readonly maxBlockMs: number;
  /** Engine option (see createHealth). @default 1000 */
  readonly maxLagMs: number;
  /** Engine option: dependency checks allowed on liveness. @default [] */
  readonly allowLivenessDependencies: readonly string[];
  readonly checks: readonly AppCheckSpec[];
  readonly heartbeats: readonly AppHeartbeatSpec[];
  /** Dependencies a request needs: a request fails while one of them fails. @default [] */
  readonly requestsUse: readonly string[];
  /** After SIGTERM: the server keeps accepting this long. @default 0 */
  readonly drainDelayMs: number;
  /**
   * probekit's shutdown option of the same name: false, readiness fails at SIGTERM; true, readiness keeps
   * passing until the drain delay ends (so kube-proxy may still send to the terminating pod). @default false
   */
  readonly keepReadyDuringDrain: boolean;
  /** After it stops accepting: time until the process exits (in-flight work, cleanup). @default 0 */
  readonly exitDelayMs: number;
}

export type RequestOutcome = 'served' | 'refused' | 'booting' | 'dependency' | 'timeout';

export interface AppHooks {
  /** The process exited on its own (after SIGTERM). */
  readonly exited: () => void;
}

/**
 * One process of the app: the real probekit `HealthEngine` on a clock that belongs to this
 * process, checks bound to the shared simulated dependencies, a boot time, heartbeats and the
 * app faults (event-loop stall, wedged job).
 */
export class SimApp {
  readonly engine: HealthEngine;
  readonly clock: ProcessClock;
  readonly spec: AppSpec;
  readonly startedAt: number;
  readonly bootedAt: number;
  readonly #scheduler: LabScheduler;
  readonly #deps: ReadonlyMap<string, SimDependency>;
  readonly #hooks: AppHooks;
  readonly #beats: Heartbeat[] = [];
  #stallStart = -1;
  #answersFor: HealthSnapshot | undefined;
  /** Per probe: undefined passes, a string is the 503 detail, null is not computed yet. */
  #answers: Record<ProbeKind, string | undefined | null> = unknownAnswers();
  #wedged = false;
  #accepting = true;
  #exited = false;
  #requestTimeoutMs: number;

  constructor(scheduler: LabScheduler, spec: AppSpec, deps: ReadonlyMap<string, SimDependency>, requestTimeoutMs: number, hooks: AppHooks) {
    this.#scheduler = scheduler;
    this.spec = spec;
    this.#deps = deps;
    this.#hooks = hooks;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.clock = new ProcessClock(scheduler);
    this.startedAt = scheduler.now;
    this.bootedAt = this.startedAt + spec.bootMs;
    this.engine = new HealthEngine({
      clock: this.clock,
      maxBlockMs: spec.maxBlockMs,
      maxLagMs: spec.maxLagMs,
      // The lab computes how long the loop is blocked itself (it knows the stall); a slow
      // watchdog saves a hundred thousand timer events per simulated day and pod.
      watchdogIntervalMs: 3_600_000,
      allowLivenessDependencies: spec.allowLivenessDependencies,
    });
    for (const check of spec.checks) this.#register(check);
    if (spec.heartbeats.length > 0) this.clock.setTimeout(() => this.#startJobs(), spec.bootMs);
  }

  #register(check: AppCheckSpec): void {
    const clock = this.clock;
    if (check.uses === 'boot') {
      const bootedAt = this.bootedAt;
      this.engine.check(check.name, () => {
        if (clock.now() < bootedAt) throw new Error('warming up');
      }, { ...check.options, probes: check.probes });
      return;
    }
    const dep = this.#deps.get(check.uses);
    if (!dep) throw new TypeError(`Check \`${check.name}\` uses unknown dependency \`${check.uses}\``);
    const call = takesRunAbort((run) => dep.call(clock, run));
    this.engine.check(check.name, { check: call, dependency: true, componentType: 'datastore' }, {
      ...check.options,
      probes: check.probes,
    });
  }

  #startJobs(): void {
    for (const spec of this.spec.heartbeats) {
      const beat = this.engine.heartbeat(spec.name, { timeoutMs: spec.timeoutMs });
      this.#beats.push(beat);
      const loop = (): void => {
        if (this.#wedged || this.#exited) return;
        beat.beat();
        this.clock.setTimeout(loop, spec.everyMs, false);
      };
      loop();
    }
  }

  get booted(): boolean {
    return this.#scheduler.now >= this.bootedAt;
  }

  /** The ports are open (probe server and app server). */
  get listening(): boolean {
    return !this.#exited && (this.spec.listen === 'at-start' || this.booted);
  }

  get stalled(): boolean {
    return this.clock.stalledUntil > this.#scheduler.now;
  }

  /** App fault: the event loop is blocked for `ms`. */
  stall(ms: number): void {
    if (!this.stalled) this.#stallStart = this.#scheduler.now;
    this.clock.stallUntil(this.#scheduler.now + ms);
  }

  /** App fault: background jobs stop making progress (their heartbeats stop). */
  wedge(): void {
    this.#wedged = true;
  }

  /** How the probe endpoint answers the kubelet right now. */
  probe(kind: ProbeKind, timeoutMs: number): ProbeOutcome {
    const now = this.#scheduler.now;
    if (!this.listening) return { ok: false, durationMs: 0, detail: 'connection refused' };
    let waitMs = this.spec.responseMs;
    let blockedMs = 0;
    if (this.stalled) {
      // NOTE: on the main loop a probe waits behind the stall; the worker thread answers at once
      // and reports how long the main loop has been blocked (docs/architecture.md).
      if (this.spec.probeServer === 'main') waitMs += this.clock.stalledUntil - now;
      else blockedMs = now - this.#stallStart;
    }
    if (waitMs > timeoutMs) return { ok: false, durationMs: timeoutMs, detail: `timeout after ${timeoutMs} ms` };
    const answer = this.#answer(kind, blockedMs);
    return answer === undefined ? { ok: true, durationMs: waitMs, detail: '200' } : { ok: false, durationMs: waitMs, detail: answer };
  }

  /**
   * The engine's verdict as the kubelet sees it: undefined when the probe passes, else the 503
   * detail. With the loop running it is computed once per snapshot, and kept across snapshots
   * that give the same lines (a passing check's run only moves its counters).
   */
  #answer(kind: ProbeKind, blockedMs: number): string | undefined {
    const snapshot = this.engine.snapshot();
    if (blockedMs > 0) return answerOf(evaluate(snapshot, kind, { loopBlockedMs: blockedMs }));
    if (this.#answersFor !== snapshot) {
      if (this.#answersFor === undefined || !sameLines(this.#answersFor, snapshot)) this.#answers = unknownAnswers();
      this.#answersFor = snapshot;
    }
    const known = this.#answers[kind];
    if (known !== null) return known;
    return (this.#answers[kind] = answerOf(evaluate(snapshot, kind, { loopBlockedMs: 0 })));
  }

  /** One request from the load balancer. */
  serve(): RequestOutcome {
    const now = this.#scheduler.now;
    if (this.#exited || !this.#accepting || !this.listening) return 'refused';
    if (!this.booted) return 'booting';
    let waitMs = this.spec.responseMs;
    if (this.stalled) waitMs += this.clock.stalledUntil - now;
    for (const name of this.spec.requestsUse) {
      const behaviour = this.#deps.get(name)?.behaviourAt(now);
      if (!behaviour) continue;
      if (behaviour.kind === 'hang') return 'timeout';
      if (behaviour.kind === 'error') return 'dependency';
      waitMs += behaviour.latencyMs;
    }
    return waitMs > this.#requestTimeoutMs ? 'timeout' : 'served';
  }

  /** SIGTERM: readiness off (at once, or when the drain ends), keep serving for the drain delay, stop accepting, exit. */
  sigterm(): void {
    if (this.#exited) return;
    if (!this.spec.keepReadyDuringDrain) this.engine.beginShutdown();
    this.#scheduler.after(this.spec.drainDelayMs, () => {
      if (this.spec.keepReadyDuringDrain) this.engine.beginShutdown();
      this.#accepting = false;
      this.#scheduler.after(this.spec.exitDelayMs, () => {
        if (this.#exited) return;
        this.kill();
        this.#hooks.exited();
      });
    });
  }

  /** The process is gone (exit or SIGKILL): every timer and check stops. */
  kill(): void {
    if (this.#exited) return;
    this.#exited = true;
    this.engine.stop();
    this.clock.dispose();
  }

  /**
   * The end of the run: the virtual clock stops and the engine is left as it is. Stopping every engine
   * (each in-flight run rejected with its own HealthClosedError, a last snapshot) was a tenth of the
   * cost of a run at thousands of replicas, for a state nobody reads.
   */
  abandon(): void {
    this.#exited = true;
    this.clock.dispose();
  }

  get exited(): boolean {
    return this.#exited;
  }
}

function unknownAnswers(): Record<ProbeKind, string | undefined | null> {
  return { startup: null, liveness: null, readiness: null };
}

/** A probe's answer: undefined for 200, else the 503 detail naming the first failed line. */
function answerOf(verdict: ProbeVerdict): string | undefined {
  if (verdict.ok) return undefined;
  const failed = verdict.lines.find((line) => line.status === 'fail');
  return `503 ${failed ? `${failed.name}: ${failed.reason ?? 'failed'}` : ''}`.trim();
}
