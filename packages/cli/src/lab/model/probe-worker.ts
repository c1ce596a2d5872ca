import type { ProbeKind } from 'probekit/internal';
import type { ResolvedProbeSpec } from './probe-spec.js';
import type { Scheduler } from './scheduler.js';

/** A published probe result, as pkg/kubelet/prober/results. */
export type ProbeResult = 'success' | 'failure' | 'unknown';

/** What the worker sees of its container (the container status in the pod status). */
export interface ContainerView {
  readonly id: number;
  readonly running: boolean;
  readonly startedAt: number;
  /** The startup probe succeeded (or there is none). */
  readonly started: boolean;
}

/** One probe over the network, as the kubelet's prober reports it. */
export interface ProbeOutcome {
  readonly ok: boolean;
  /** How long the kubelet waited, at most the probe's timeout. */
  readonly durationMs: number;
  readonly detail: string;
}

export interface WorkerHost {
  /** The container's status; undefined before the runtime created it. */
  container(): ContainerView | undefined;
  /** The pod has a deletion timestamp. */
  deleting(): boolean;
  /** The pod is gone: the worker stops. */
  removed(): boolean;
  /** Synchronous in the simulation; a promise in real mode (a real HTTP request). */
  probe(kind: ProbeKind, timeoutMs: number): ProbeOutcome | Promise<ProbeOutcome>;
  /** A probe ran (for the timeline). */
  ran(kind: ProbeKind, outcome: ProbeOutcome, at: number): void;
  /** The results manager got a value for the container (may equal the previous one). */
  publish(kind: ProbeKind, result: ProbeResult, containerId: number): void;
}

/** NOTE: pkg/kubelet/prober/worker.go@v1.34 newWorker(): readiness starts failed, liveness succeeded, startup unknown. */
export const INITIAL_RESULT: Record<ProbeKind, ProbeResult> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };

/**
 * One probe worker per container and probe type, after pkg/kubelet/prober/worker.go@v1.34: a random
 * first delay when the kubelet just started, then a fixed-rate ticker (a tick missed while a probe
 * runs is taken right after it, further ones are dropped, as a Go ticker's 1-slot channel does),
 * thresholds over equal results in a row, a hold after a published liveness/startup failure until
 * the container is replaced, and startup gating.
 */
export class ProbeWorker {
  readonly kind: ProbeKind;
  readonly spec: ResolvedProbeSpec;
  readonly #scheduler: Scheduler;
  readonly #host: WorkerHost;
  #containerId = 0;
  #lastResult: ProbeResult = 'unknown';
  #resultRun = 0;
  #onHold = false;
  #stopped = false;
  #firstTick = 0;
  /** Regular ticks queued; those queued before a manual trigger moved the schedule are dropped when they fire. */
  #regularQueued = 0;
  #dropRegular = 0;
  #triggerQueued = false;
  /** When the probe in progress ends; Infinity while a real probe awaits its answer or before the first tick. */
  #busyUntil = Infinity;
  /** A manual trigger arrived while a probe ran: taken right after it (the channel holds one). */
  #pendingTrigger = false;
  /** The worker's next tick; one function for all of them rather than a closure per tick. */
  readonly #tick = (): void => {
    this.#regularQueued -= 1;
    // NOTE: a stale tick always fires before the next live one (it was due no later), so the first ones
    // to fire after a trigger are the stale ones. No time comparison: real timers fire a little early or late.
    if (this.#dropRegular > 0) {
      this.#dropRegular -= 1;
      return;
    }
    this.#loop();
  };

  constructor(kind: ProbeKind, spec: ResolvedProbeSpec, scheduler: Scheduler, host: WorkerHost) {
    this.kind = kind;
    this.spec = spec;
    this.#scheduler = scheduler;
    this.#host = host;
  }

  /**
   * Starts the worker. `jitter` in [0, 1): NOTE: worker.go@v1.34 run() sleeps rand × period before the
   * first probe only when the kubelet started less than one period ago.
   */
  start(kubeletJustStarted: boolean, jitter: number): void {
    const periodMs = this.spec.periodSeconds * 1000;
    const delay = kubeletJustStarted ? Math.floor(jitter * periodMs) : 0;
    this.#firstTick = this.#scheduler.now + delay;
    this.#schedule(this.#firstTick);
  }

  /**
   * Probe now and restart the period from now: the prober manager's manual trigger.
   * NOTE: pkg/kubelet/prober/prober_manager.go@v1.34 UpdatePodStatus sends on the readiness worker's
   * manualTriggerCh when a started container is not yet ready; worker.go@v1.34 run() probes at once and
   * calls probeTicker.Reset(period) (PR #119089). A trigger during a probe, or during the random sleep
   * before the first one, waits in the channel and is taken right after that probe.
   */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#busyUntil === Infinity) {
      this.#pendingTrigger = true;
      return;
    }
    if (this.#triggerQueued) return; // the channel holds one
    this.#dropRegular = this.#regularQueued;
    const at = Math.max(this.#scheduler.now, this.#busyUntil);
    this.#firstTick = at;
    this.#triggerQueued = true;
    this.#scheduler.at(at, () => {
      this.#triggerQueued = false;
      // Stryker disable next-line ConditionalExpression: equivalent — #loop returns at once for a stopped worker
      if (!this.#stopped) this.#loop();
    });
  }

  #schedule(at: number): void {
    this.#regularQueued += 1;
    this.#scheduler.at(at, this.#tick);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get onHold(): boolean {
    return this.#onHold;
  }

  #loop(): void {
    if (this.#stopped) return;
    const start = this.#scheduler.now;
    this.#busyUntil = Infinity;
    const pending = this.#doProbe();
    if (pending === false) {
      this.#busyUntil = start;
      this.#stopped = true;
      return;
    }
    if (typeof pending === 'number') this.#next(start, start + pending);
    else {
      // Stryker disable next-line ArithmeticOperator: equivalent — an async answer comes ms after start (real.ts measures durationMs around the request), so start + ms is now and start - ms is past: max(nextTick, done) and max(now, busyUntil) pick the same time with either
      void pending.then((ms) => this.#next(start, start + ms));
    }
  }

  #next(start: number, done: number): void {
    this.#busyUntil = done;
    if (this.#stopped) return;
    if (this.#pendingTrigger) {
      this.#pendingTrigger = false;
      this.trigger();
      return;
    }
    const periodMs = this.spec.periodSeconds * 1000;
    // The ticker was created after the first delay (or reset by a trigger): ticks fall at firstTick + k × period.
    const nextTick = this.#firstTick + (Math.floor((start - this.#firstTick) / periodMs) + 1) * periodMs;
    this.#schedule(Math.max(nextTick, done));
  }

  /** worker.go@v1.34 doProbe(): false stops the worker; otherwise how long the probe took (ms). */
  #doProbe(): number | false | Promise<number> {
    const host = this.#host;
    if (host.removed()) return false;
    const c = host.container();
    if (c === undefined) return 0; // no container status yet: keep waiting
    if (c.id !== this.#containerId) {
      // A new container: reset to the initial value and resume probing.
      this.#containerId = c.id;
      host.publish(this.kind, INITIAL_RESULT[this.kind], c.id);
      this.#onHold = false;
    }
    if (this.#onHold) return 0;
    if (!c.running) {
      // NOTE: a non-running container is set to failure; the worker keeps going unless the container
      // terminated and restartPolicy is Never (pkg/kubelet/prober/worker.go@v1.34 doProbe).
      host.publish(this.kind, 'failure', c.id);
      return 0;
    }
    if (host.deleting() && (this.kind === 'liveness' || this.kind === 'startup')) {
      // NOTE: worker.go@v1.34 stops liveness and startup probing of a terminating pod, reporting success.
      host.publish(this.kind, 'success', c.id);
      return false;
    }
    const now = this.#scheduler.now;
    if (Math.floor((now - c.startedAt) / 1000) < this.spec.initialDelaySeconds) return 0;
    if (c.started) {
      if (this.kind === 'startup') return 0;
    } else if (this.kind !== 'startup') {
      return 0; // NOTE: liveness and readiness wait until the startup probe has succeeded
    }
    const answer = host.probe(this.kind, this.spec.timeoutSeconds * 1000);
    const containerId = c.id;
    if (answer instanceof Promise) {
      return answer.then((outcome) => {
        this.#record(outcome, containerId, now);
        return outcome.durationMs;
      });
    }
    const outcome = answer;
    // An instant answer is recorded at once: one event less per probe, the same order.
    if (outcome.durationMs === 0) this.#record(outcome, containerId, now);
    else this.#scheduler.at(now + outcome.durationMs, () => this.#record(outcome, containerId, now));
    return outcome.durationMs;
  }

  #record(outcome: ProbeOutcome, containerId: number, startedAt: number): void {
    // NOTE: #containerId changes only in #doProbe, and no #doProbe runs between a probe's start and its record
    // (the record is queued at the probe's start, before any tick or trigger for its end): the ids match here.
    const stale =
      // Stryker disable next-line ConditionalExpression: equivalent — see the note above
      containerId !== this.#containerId;
    if (this.#stopped || stale) return;
    this.#host.ran(this.kind, outcome, startedAt);
    const result: ProbeResult = outcome.ok ? 'success' : 'failure';
    if (this.#lastResult === result) this.#resultRun += 1;
    else {
      this.#lastResult = result;
      this.#resultRun = 1;
    }
    if (
      (result === 'failure' && this.#resultRun < this.spec.failureThreshold) ||
      (result === 'success' && this.#resultRun < this.spec.successThreshold)
    ) {
      return;
    }
    this.#host.publish(this.kind, result, containerId);
    if ((this.kind === 'liveness' || this.kind === 'startup') && result === 'failure') {
      // NOTE: worker.go@v1.34 holds after a liveness failure or after any published startup result, until a
      // new container; a startup success needs no hold here, as a started container skips startup probes.
      this.#onHold = true;
      this.#resultRun = 0;
    }
  }

  stop(): void {
    this.#stopped = true;
  }
}
