import { performance } from 'node:perf_hooks';

/** Real time in ms since the epoch, the same base in every thread. */
export function realNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The main thread's last watchdog stamp, in shared memory, so the probe worker can tell how long the
 * main loop has been blocked without asking it.
 */
export class SharedStamp {
  readonly buffer: SharedArrayBuffer;
  readonly #cell: BigInt64Array;

  constructor(buffer = new SharedArrayBuffer(8)) {
    this.buffer = buffer;
    this.#cell = new BigInt64Array(buffer);
  }

  write(ms: number): void {
    Atomics.store(this.#cell, 0, BigInt(Math.round(ms)));
  }

  read(): number {
    return Number(Atomics.load(this.#cell, 0));
  }
}
