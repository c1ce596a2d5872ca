import { performance } from 'node:perf_hooks';

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** Time and timers, injectable so schedules run in virtual time in tests and in the lab. */
export interface Clock {
  /** Milliseconds since the epoch, monotonic within the process. */
  now(): number;
  /** Runs `fn` after `ms`; a real clock unref()s the timer so it never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `performance.timeOrigin + performance.now()`, the same time base in every thread. */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface VirtualTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. `advance()` fires due timers in order and lets
 * promise chains settle between them, so async checks complete in virtual time.
 */
export class VirtualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, VirtualTimer>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#nextDue(target);
      if (next === undefined) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Advances in steps of `stepMs`, for code that schedules at most once per step. */
  async tick(totalMs: number, stepMs: number): Promise<void> {
    for (let t = 0; t < totalMs; t += stepMs) await this.advance(Math.min(stepMs, totalMs - t));
  }

  #nextDue(target: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.due > target) continue;
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.id < best.id)) best = timer;
    }
    return best;
  }
}

/** Lets every pending promise reaction run (a macrotask turn drains the microtask queue). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
