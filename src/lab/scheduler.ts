import type { Clock, TimerHandle } from '../engine/clock.js';

/** A scheduled event; `cancelled` is shared by every re-queue of the same timer. */
interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly handle: Handle;
}

/** An event's identity: clearing it cancels every pending re-queue (a timer deferred by a stall). */
export interface Handle {
  cancelled: boolean;
  /** Timers of the real engine run promise chains that must settle before the next event. */
  readonly async: boolean;
}

/** What the kubelet model needs of time: the lab's virtual queue, or real time in real mode. */
export interface Scheduler {
  /** Milliseconds since the run started. */
  readonly now: number;
  at(at: number, fn: () => void): Handle;
  after(ms: number, fn: () => void): Handle;
  cancel(handle: Handle | undefined): void;
  /** Runs until `end` (ms since the start). */
  runUntil(end: number): Promise<void>;
}

/**
 * The lab's discrete-event queue: one binary heap for every pod, the kubelet and the traffic.
 * Engine timers are followed by one macrotask turn so the engine's promise chains complete in
 * virtual time; the lab's own events are synchronous and cost no turn. `VirtualClock.advance()`
 * scans every timer per event and settles after each: fine for a unit test, too slow for a day of
 * a hundred pods.
 */
export class LabScheduler implements Scheduler {
  readonly #settle: () => Promise<void>;
  #now = 0;
  #seq = 0;
  #heap: Entry[] = [];
  #events = 0;

  /** `macrotask: true` settles with a full event-loop turn after each engine timer: slower, for checking the fast way. */
  constructor(options: { readonly macrotask?: boolean } = {}) {
    this.#settle = options.macrotask === true ? macrotask : settle;
  }

  /** Virtual milliseconds since the simulation started. */
  get now(): number {
    return this.#now;
  }

  /** Events fired so far (for the benchmark). */
  get events(): number {
    return this.#events;
  }

  /** Runs `fn` at virtual time `at` (never before now). */
  at(at: number, fn: () => void, handle: Handle = { cancelled: false, async: false }): Handle {
    this.#push({ at: Math.max(at, this.#now), seq: this.#seq++, fn, handle });
    return handle;
  }

  /** Runs `fn` after `ms`. */
  after(ms: number, fn: () => void): Handle {
    return this.at(this.#now + Math.max(0, ms), fn);
  }

  cancel(handle: Handle | undefined): void {
    if (handle) handle.cancelled = true;
  }

  /** Fires every event due up to `end`, in time order (ties in scheduling order), then stops at `end`. */
  async runUntil(end: number): Promise<void> {
    await this.#settle();
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.at > end) break;
      this.#pop();
      if (top.handle.cancelled) continue;
      this.#now = top.at;
      this.#events += 1;
      top.fn();
      if (top.handle.async) await this.#settle();
    }
    this.#now = end;
    await this.#settle();
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** A full event-loop turn: every pending promise reaction runs, however deep the chain. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets pending promise reactions run. NOTE: each `await` lets one generation of reactions run;
 * the engine's chains after a timer are at most three deep (resolve → then → change event), so
 * 8 generations drain them with room to spare, at a fraction of the cost of a macrotask turn.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await null;
}

/**
 * The `Clock` one app process sees. While its event loop is stalled no timer fires: a timer due
 * during a stall runs when the stall ends, as in a real blocked process. Disposing it (the
 * container died) drops every pending timer.
 */
export class ProcessClock implements Clock {
  readonly #scheduler: LabScheduler;
  #stalledUntil = -1;
  #disposed = false;

  constructor(scheduler: LabScheduler) {
    this.#scheduler = scheduler;
  }

  now(): number {
    return this.#scheduler.now;
  }

  /** `async: false` for the lab's own synchronous work in the process (a job loop): no settling needed. */
  setTimeout(fn: () => void, ms: number, async = true): TimerHandle {
    const handle: Handle = { cancelled: false, async };
    const fire = (): void => {
      if (this.#disposed) return;
      if (this.#stalledUntil > this.#scheduler.now) {
        this.#scheduler.at(this.#stalledUntil, fire, handle);
        return;
      }
      fn();
    };
    this.#scheduler.at(this.#scheduler.now + Math.max(0, ms), fire, handle);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle && typeof handle === 'object') (handle as Handle).cancelled = true;
  }

  /** Blocks the event loop until `until`: timers wait. */
  stallUntil(until: number): void {
    this.#stalledUntil = Math.max(this.#stalledUntil, until);
  }

  /** When the current stall started and ends, or undefined when the loop runs. */
  get stalledUntil(): number {
    return this.#stalledUntil;
  }

  dispose(): void {
    this.#disposed = true;
  }
}
