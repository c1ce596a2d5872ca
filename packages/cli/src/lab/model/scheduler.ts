import type { Clock, TimerHandle } from 'probekit/internal';
import { Timer, TimerQueue } from './timer-queue.js';

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
 * The lab's discrete-event loop: one queue (TimerQueue) for every pod, the kubelet and the traffic.
 * Engine timers are followed by a drain of the microtask queue so the engine's promise chains
 * complete in virtual time; the lab's own events are synchronous and cost no turn. `VirtualClock.advance()`
 * scans every timer per event and settles after each: fine for a unit test, too slow for a day of
 * a hundred pods.
 */
export class LabScheduler implements Scheduler {
  readonly #macrotask: boolean;
  #now = 0;
  #seq = 0;
  readonly #queue = new TimerQueue();
  #events = 0;

  /** `macrotask: true` settles with a full event-loop turn after each engine timer: slower, for checking the fast way. */
  constructor(options: { readonly macrotask?: boolean } = {}) {
    this.#macrotask = options.macrotask === true;
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
  at(at: number, fn: () => void): Handle {
    return this.#add(at, fn, false, undefined);
  }

  /** Runs `fn` after `ms`. */
  after(ms: number, fn: () => void): Handle {
    return this.#add(this.#now + Math.max(0, ms), fn, false, undefined);
  }

  cancel(handle: Handle | undefined): void {
    if (handle) handle.cancelled = true;
  }

  /** A timer of one process (ProcessClock): deferred by its stalls, dropped when it dies. */
  timer(at: number, fn: () => void, async: boolean, clock: ProcessClock): Handle {
    return this.#add(at, fn, async, clock);
  }

  /**
   * Fires every event due up to `end`, in time order (ties in scheduling order), then stops at
   * `end`. The lab's own events run back to back; after an engine timer the loop pauses until
   * every promise reaction it started has run (see `settle`), then resumes from a nextTick.
   */
  runUntil(end: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.#queue;
      const resumeAfterDrain = (): void => process.nextTick(run);
      const run = (): void => {
        try {
          for (;;) {
            const top = queue.shift(end);
            if (top === undefined) break;
            if (top.cancelled) continue;
            this.#now = top.at;
            this.#events += 1;
            const clock = top.clock;
            if (clock === undefined) top.fn();
            else if (!clock.disposed) {
              if (clock.stalledUntil > top.at) {
                // The process's event loop is blocked: the timer runs when the stall ends.
                top.at = clock.stalledUntil;
                top.seq = this.#seq++;
                queue.push(top);
              } else top.fn();
            }
            if (top.async) {
              // `run` is called from a tick (the first time from a microtask): a tick queued
              // here could run before the reactions `fn` just queued, so it is queued from a
              // microtask that runs after them (see `settle`).
              if (this.#macrotask) setImmediate(run);
              else void RESOLVED.then(resumeAfterDrain);
              return;
            }
          }
          this.#now = end;
          this.#settle().then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      };
      this.#settle().then(run, reject);
    });
  }

  #settle(): Promise<void> {
    return this.#macrotask ? macrotask() : settle();
  }

  #add(at: number, fn: () => void, async: boolean, clock: ProcessClock | undefined): Timer {
    const timer = new Timer(Math.max(at, this.#now), this.#seq++, fn, async, clock);
    this.#queue.push(timer);
    return timer;
  }
}

/** A full event-loop turn: every pending promise reaction runs, however deep the chain. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const RESOLVED = Promise.resolve();

/**
 * Resolves once every pending promise reaction has run, however deep the chain, without a turn of
 * the event loop. NOTE: Node runs the nextTick queue only once V8's microtask queue is empty
 * (lib/internal/process/task_queues.js processTicksAndRejections: ticks, then runMicrotasks(),
 * again while ticks remain); a tick queued from a microtask therefore runs after every reaction
 * queued before or during the drain. From a tick callback a new tick would run first: hence the
 * `await null` (or, in `runUntil`, the resolved promise) that reaches a microtask first.
 */
async function settle(): Promise<void> {
  await null;
  await new Promise<void>((resolve) => process.nextTick(resolve));
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
    const scheduler = this.#scheduler;
    return scheduler.timer(scheduler.now + Math.max(0, ms), fn, async, this);
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle && typeof handle === 'object') (handle as Handle).cancelled = true;
  }

  /** Blocks the event loop until `until`: timers wait. */
  stallUntil(until: number): void {
    this.#stalledUntil = Math.max(this.#stalledUntil, until);
  }

  /** When the current stall ends (-1 before the first): the loop is blocked while it is in the future. */
  get stalledUntil(): number {
    return this.#stalledUntil;
  }

  /** The process is gone: its timers are dropped. */
  get disposed(): boolean {
    return this.#disposed;
  }

  dispose(): void {
    this.#disposed = true;
  }
}
