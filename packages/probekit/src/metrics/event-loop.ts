import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Event-loop delay over a rolling window, from perf_hooks (libuv-timer based, no extra work per tick). */
export class EventLoopDelay {
  readonly #histogram: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  #previous = { p99: 0, max: 0 };

  constructor(resolutionMs: number, windowMs: number) {
    this.#histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#histogram.enable();
    this.#timer = setInterval(() => this.#rotate(), windowMs);
    this.#timer.unref();
  }

  /**
   * p99 and max in seconds over the current partial window and the last full one, so a spike
   * stays visible for at least one window whatever the scrape interval.
   */
  read(): { readonly p99Seconds: number; readonly maxSeconds: number } {
    const current = this.#current();
    return { p99Seconds: Math.max(current.p99, this.#previous.p99) / 1e9, maxSeconds: Math.max(current.max, this.#previous.max) / 1e9 };
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }

  #current(): { p99: number; max: number } {
    // An empty histogram reports max 0 and percentile NaN-ish values; treat it as no delay.
    if (this.#histogram.count === 0) return { p99: 0, max: 0 };
    return { p99: this.#histogram.percentile(99), max: this.#histogram.max };
  }

  #rotate(): void {
    this.#previous = this.#current();
    this.#histogram.reset();
  }
}
