import type { ProcessClock } from './scheduler.js';

/**
 * A scheduled event, and its handle. One object per timer, re-queued as it is when a stall defers
 * it: no closure or wrapper per event (a day of a hundred pods is millions of them).
 */
export class Timer {
  at: number;
  seq: number;
  cancelled = false;
  readonly fn: () => void;
  readonly async: boolean;
  /** The process whose timer this is (its stall defers it, its death drops it); none for the lab's own events. */
  readonly clock: ProcessClock | undefined;
  /** The next timer in the same wheel slot. */
  next: Timer | undefined = undefined;

  constructor(at: number, seq: number, fn: () => void, async: boolean, clock: ProcessClock | undefined) {
    this.at = at;
    this.seq = seq;
    this.fn = fn;
    this.async = async;
    this.clock = clock;
  }
}

/** Time order; ties in scheduling order. */
function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const SLOT_BITS = 16;
/** One slot per millisecond: 65.5 s ahead, past every probe period, check interval and heartbeat of a usual scenario. */
const SLOTS = 1 << SLOT_BITS;
const MASK = SLOTS - 1;
const WORDS = SLOTS >>> 5;

/**
 * The lab's event queue, in time order and, at equal times, in the order the timers were queued
 * (`seq`). Timers at a whole millisecond less than 65.5 s ahead (nearly all: probes, checks,
 * requests) sit in a timing wheel, one FIFO list per millisecond and a bitmap of the occupied
 * slots, which costs O(1) per timer where a binary heap over ~600 timers costs ~10 swaps each. The
 * others wait in binary heaps: whole milliseconds further ahead (moved into the wheel, in order,
 * as time reaches them) and fractional times (compared with the wheel at every step).
 */
export class TimerQueue {
  readonly #head: Array<Timer | undefined> = new Array<Timer | undefined>(SLOTS).fill(undefined);
  readonly #tail: Array<Timer | undefined> = new Array<Timer | undefined>(SLOTS).fill(undefined);
  readonly #occupied = new Uint32Array(WORDS);
  /** The wheel holds the whole-millisecond timers in [base, base + SLOTS). */
  #base = 0;
  #inWheel = 0;
  readonly #far = new TimerHeap();
  readonly #fractional = new TimerHeap();

  push(timer: Timer): void {
    const at = timer.at;
    if (!Number.isInteger(at)) this.#fractional.push(timer);
    else if (at < this.#base + SLOTS) this.#append(timer);
    else this.#far.push(timer);
  }

  /** Removes and returns the first timer if it is due at or before `end`. */
  shift(end: number): Timer | undefined {
    let first: Timer | undefined;
    let slot = -1;
    if (this.#inWheel > 0) {
      slot = this.#firstSlot();
      first = this.#head[slot];
    }
    const far = this.#far.top;
    const fractional = this.#fractional.top;
    let source: TimerHeap | undefined;
    if (far !== undefined && (first === undefined || before(far, first))) {
      first = far;
      source = this.#far;
    }
    if (fractional !== undefined && (first === undefined || before(fractional, first))) {
      first = fractional;
      source = this.#fractional;
    }
    if (first === undefined || first.at > end) return undefined;
    if (source !== undefined) source.pop();
    else this.#unlink(slot, first);
    this.#advance(Math.floor(first.at));
    return first;
  }

  #append(timer: Timer): void {
    const slot = timer.at & MASK;
    const tail = this.#tail[slot];
    if (tail === undefined) {
      this.#head[slot] = timer;
      this.#occupied[slot >>> 5]! |= 1 << (slot & 31);
    } else tail.next = timer;
    this.#tail[slot] = timer;
    this.#inWheel += 1;
  }

  #unlink(slot: number, timer: Timer): void {
    const next = timer.next;
    timer.next = undefined;
    this.#head[slot] = next;
    if (next === undefined) {
      this.#tail[slot] = undefined;
      this.#occupied[slot >>> 5]! &= ~(1 << (slot & 31));
    }
    this.#inWheel -= 1;
  }

  /** The first occupied slot from `base` on, wrapping around (the wheel is not empty). */
  #firstSlot(): number {
    const occupied = this.#occupied;
    const start = this.#base & MASK;
    let w = start >>> 5;
    let word = occupied[w]! & (-1 << (start & 31));
    // WORDS + 1 words: the start word is looked at again, for its bits below `start`.
    for (let n = 0; n <= WORDS; n++) {
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word & -word);
      w = (w + 1) & (WORDS - 1);
      word = occupied[w]!;
    }
    throw new Error('timer wheel: no occupied slot although timers are counted');
  }

  /**
   * Time reached `now` (a whole millisecond): the wheel now covers [now, now + SLOTS). Far timers
   * that fall inside move in, in their order, before any timer is queued at those times directly
   * (those come later, so they belong after them).
   */
  #advance(now: number): void {
    if (now <= this.#base) return;
    this.#base = now;
    const limit = now + SLOTS;
    const far = this.#far;
    for (let top = far.top; top !== undefined && top.at < limit; top = far.top) {
      far.pop();
      this.#append(top);
    }
  }
}

/** A binary min-heap of timers in `before` order. */
class TimerHeap {
  readonly #heap: Timer[] = [];

  get top(): Timer | undefined {
    return this.#heap[0];
  }

  push(timer: Timer): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(timer, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = timer;
  }

  pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let child = l;
      let c = heap[l]!;
      const r = l + 1;
      if (r < n) {
        const rc = heap[r]!;
        if (before(rc, c)) {
          child = r;
          c = rc;
        }
      }
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}
