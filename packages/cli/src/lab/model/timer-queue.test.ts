import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from './rng.js';
import { Timer, TimerQueue } from './timer-queue.js';

/** What the queue must give: the pending timer with the smallest (at, seq). */
function reference(pending: Timer[]): Timer | undefined {
  let best: Timer | undefined;
  for (const t of pending) if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
  return best;
}

test('timers come out in time order, ties in queueing order, whether near (wheel), far (beyond 65.5 s) or at fractional times', () => {
  const random = seededRandom(7);
  const queue = new TimerQueue();
  const pending: Timer[] = [];
  let seq = 0;
  let now = 0;
  const add = (at: number): void => {
    const timer = new Timer(at, seq++, () => {}, false, undefined);
    queue.push(timer);
    pending.push(timer);
  };
  const delay = (): number => {
    const r = random();
    if (r < 0.3) return 0; // same millisecond: ties
    if (r < 0.6) return Math.floor(random() * 20);
    if (r < 0.8) return Math.floor(random() * 70_000); // some beyond the wheel
    if (r < 0.9) return 200_000 + Math.floor(random() * 300_000);
    return random() * 100; // fractional
  };
  for (let i = 0; i < 50; i++) add(delay());
  let shifted = 0;
  while (pending.length > 0) {
    const expected = reference(pending)!;
    const got = queue.shift(Number.POSITIVE_INFINITY);
    assert.equal(got, expected, `step ${shifted}: expected at ${expected.at} seq ${expected.seq}, got at ${got?.at} seq ${got?.seq}`);
    pending.splice(pending.indexOf(expected), 1);
    now = expected.at;
    shifted += 1;
    // Handling an event queues new ones, never in the past; about 200 stay pending.
    if (shifted < 20_000) for (let k = Math.floor(random() * 2) + (pending.length < 200 ? 1 : 0); k > 0; k--) add(now + delay());
  }
  assert.equal(queue.shift(Number.POSITIVE_INFINITY), undefined);
  assert.ok(shifted > 20_000);
});

test('shift stops at `end` and leaves later timers queued', () => {
  const queue = new TimerQueue();
  const a = new Timer(10, 0, () => {}, false, undefined);
  const b = new Timer(100_000, 1, () => {}, false, undefined);
  queue.push(b);
  queue.push(a);
  assert.equal(queue.shift(5), undefined);
  assert.equal(queue.shift(50), a);
  assert.equal(queue.shift(99_999), undefined);
  assert.equal(queue.shift(100_000), b);
});
