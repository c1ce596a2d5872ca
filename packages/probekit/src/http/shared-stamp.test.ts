import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedStamp, realNow } from './shared-stamp.js';

test('the stamp age is exact across the 32-bit wrap and never negative', () => {
  const stamp = new SharedStamp();
  // The worker's view: another SharedStamp over the same buffer.
  const reader = new SharedStamp(stamp.buffer);
  const now = realNow();
  stamp.write(now - 1500);
  assert.equal(reader.ageMs(now), 1500);
  const wrap = 2 ** 32 * 400; // an epoch-ms value whose low 32 bits are 0
  stamp.write(wrap - 5);
  assert.equal(reader.ageMs(wrap + 10), 15);
  stamp.write(wrap + 10);
  assert.equal(reader.ageMs(wrap + 9), 0, "a stamp newer than the reader's now is age 0");
  stamp.write(now - 20 * 86_400_000);
  assert.equal(reader.ageMs(now), 20 * 86_400_000);
});
