import type { Clock, TimerHandle } from './clock.js';
import { formatMs } from './errors.js';
import type { CheckTransition } from './runner.js';
import type { CheckSnapshot } from './types.js';

/** A liveness signal from a background job: call `beat()` on every iteration. */
export interface Heartbeat {
  readonly name: string;
  /** Records that the job made progress. Cheap: no allocation, no I/O. */
  beat(): void;
  /** Removes the heartbeat, e.g. when the job ends on purpose. */
  stop(): void;
}

export interface HeartbeatHooks {
  readonly changed: () => void;
  readonly transition: (event: CheckTransition) => void;
  readonly removed: (name: string) => void;
}

/**
 * Fails liveness when no beat came within `timeoutMs`. One timer, re-armed lazily at the
 * deadline, so a beat costs only a clock read.
 */
export class HeartbeatMonitor implements Heartbeat {
  readonly name: string;
  readonly timeoutMs: number;
  readonly #clock: Clock;
  readonly #hooks: HeartbeatHooks;
  #lastBeat: number;
  #stale = false;
  #since: number;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #beats = 0;
  #cached: CheckSnapshot | undefined;

  constructor(name: string, timeoutMs: number, clock: Clock, hooks: HeartbeatHooks) {
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.#clock = clock;
    this.#hooks = hooks;
    // NOTE: a heartbeat that has not beaten yet counts as passing for one timeout (docs/probes.md, rules).
    this.#lastBeat = clock.now();
    this.#since = this.#lastBeat;
    this.#arm(timeoutMs);
  }

  beat(): void {
    if (this.#stopped) return;
    this.#lastBeat = this.#clock.now();
    this.#beats += 1;
    if (this.#stale) {
      this.#flip(false);
      this.#arm(this.timeoutMs);
    }
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#hooks.removed(this.name);
  }

  /** Clears the timer without unregistering (the engine is closing). */
  dispose(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
  }

  snapshot(): CheckSnapshot {
    if (this.#cached) return this.#cached;
    const snap: CheckSnapshot = {
      name: this.name,
      kind: 'heartbeat',
      probes: ['liveness'],
      status: this.#stale ? 'fail' : 'pass',
      critical: true,
      dependency: false,
      ...(this.#stale ? { reason: `no heartbeat within ${formatMs(this.timeoutMs)}` } : {}),
      reasonPublic: true,
      componentType: 'component',
      lastSuccessAt: this.#lastBeat,
      consecutiveFailures: this.#stale ? 1 : 0,
      consecutiveSuccesses: this.#stale ? 0 : 1,
      runs: this.#beats,
    };
    this.#cached = Object.freeze(snap);
    return this.#cached;
  }

  #arm(delayMs: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => this.#expire(), delayMs);
  }

  #expire(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const age = this.#clock.now() - this.#lastBeat;
    if (age >= this.timeoutMs) {
      if (!this.#stale) this.#flip(true);
    } else {
      this.#arm(this.timeoutMs - age);
    }
  }

  #flip(stale: boolean): void {
    const at = this.#clock.now();
    this.#stale = stale;
    this.#cached = undefined;
    const snap = this.snapshot();
    this.#hooks.transition({
      name: this.name,
      probes: ['liveness'],
      from: stale ? 'pass' : 'fail',
      to: snap.status,
      ...(snap.reason === undefined ? {} : { reason: snap.reason }),
      at,
      forMs: at - this.#since,
    });
    this.#since = at;
    this.#hooks.changed();
  }
}
