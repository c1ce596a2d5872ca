import { performance } from 'node:perf_hooks';

/** Real time in ms since the epoch, the same base in every thread. */
export function realNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The main thread's last watchdog stamp, in shared memory, so the probe worker can tell how long the
 * main loop has been blocked without asking it.
 *
 * Only the low 32 bits of the millisecond time are kept: an Int32 cell reads without allocating (a
 * BigInt64 cell allocates a BigInt per read, on every probe), and the age computed modulo 2^32 is
 * exact for any age under 24 days.
 */
export class SharedStamp {
  readonly buffer: SharedArrayBuffer;
  readonly #cell: Int32Array;

  constructor(buffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer;
    this.#cell = new Int32Array(buffer);
  }

  write(ms: number): void {
    Atomics.store(this.#cell, 0, Math.round(ms) | 0);
  }

  /** Milliseconds from the last stamp to `now` (same base as `write`), never negative. */
  ageMs(now: number): number {
    // `| 0` keeps the low 32 bits (two's complement), `>>> 0` reads the difference modulo 2^32.
    const age = ((Math.round(now) | 0) - Atomics.load(this.#cell, 0)) >>> 0;
    // A stamp written a moment after `now` was read wraps to nearly 2^32: that is age 0.
    return age > 0x7fffffff ? 0 : age;
  }
}
