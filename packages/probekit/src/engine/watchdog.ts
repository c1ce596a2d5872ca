import type { Clock, TimerHandle } from './clock.js';

/**
 * Stamps the time on every turn of a short timer. The age of the last stamp is how long the
 * event loop has been unable to run timers: the worker-thread probe server reads it from shared
 * memory while the main loop is blocked.
 */
export class LoopWatchdog {
  readonly intervalMs: number;
  readonly #clock: Clock;
  readonly #onStamp: Set<(now: number) => void> = new Set();
  #last: number;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, intervalMs: number) {
    this.#clock = clock;
    this.intervalMs = intervalMs;
    this.#last = clock.now();
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#stamp();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Milliseconds since the last stamp, beyond the stamping interval itself. */
  blockedMs(now = this.#clock.now()): number {
    return Math.max(0, now - this.#last - this.intervalMs);
  }

  get lastStamp(): number {
    return this.#last;
  }

  /** Calls `fn` with every stamp; returns a function that removes it. */
  onStamp(fn: (now: number) => void): () => void {
    this.#onStamp.add(fn);
    fn(this.#last);
    return () => this.#onStamp.delete(fn);
  }

  #stamp = (): void => {
    this.#last = this.#clock.now();
    for (const fn of this.#onStamp) fn(this.#last);
    this.#timer = this.#clock.setTimeout(this.#stamp, this.intervalMs);
  };
}
