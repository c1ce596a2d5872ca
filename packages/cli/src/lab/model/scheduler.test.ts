import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabScheduler, ProcessClock } from './scheduler.js';

test('after an engine timer every promise reaction runs before the next event, however deep the chain', async () => {
  const scheduler = new LabScheduler();
  const clock = new ProcessClock(scheduler);
  let depth = 0;
  const seen: number[] = [];
  clock.setTimeout(() => {
    let chain = Promise.resolve();
    for (let i = 0; i < 50; i++) chain = chain.then(() => void (depth += 1));
  }, 100);
  // Due at the same moment, queued after the timer: it must see the whole chain done.
  scheduler.at(100, () => seen.push(depth));
  await scheduler.runUntil(1000);
  assert.deepEqual(seen, [50]);
});

test('a process timer due during a stall runs when the stall ends, in due order; a disposed clock drops its timers', async () => {
  const scheduler = new LabScheduler();
  const clock = new ProcessClock(scheduler);
  const fired: Array<[string, number]> = [];
  clock.setTimeout(() => fired.push(['a', scheduler.now]), 200);
  clock.setTimeout(() => fired.push(['b', scheduler.now]), 300);
  const cleared = clock.setTimeout(() => fired.push(['cleared', scheduler.now]), 250);
  scheduler.at(300, () => fired.push(['lab', scheduler.now]));
  scheduler.at(100, () => clock.stallUntil(500));
  scheduler.at(400, () => clock.clearTimeout(cleared));
  await scheduler.runUntil(1000);
  // The lab's own event is not the process's: it runs on time.
  assert.deepEqual(fired, [['lab', 300], ['a', 500], ['b', 500]]);

  const gone = new ProcessClock(scheduler);
  gone.setTimeout(() => fired.push(['gone', scheduler.now]), 10);
  gone.dispose();
  await scheduler.runUntil(2000);
  assert.equal(fired.length, 3);
  assert.equal(scheduler.now, 2000);
});
