import assert from 'node:assert/strict';
import { statfs } from 'node:fs/promises';
import { test } from 'node:test';
import { diskCheck } from './disk.js';
import { runOnce } from './test-fixtures/fault-suite.js';

test('disk: reports the free percentage of the file system and passes above the threshold', async () => {
  const stats = await statfs('/');
  const freePercent = Math.round(((stats.bavail * stats.bsize) / (stats.blocks * stats.bsize)) * 1000) / 10;
  const run = await runOnce(diskCheck({ path: '/', minFreePercent: 0 }), 1000);
  assert.equal(run.ok, true, run.message);
  const details = run.value as Record<string, unknown>;
  assert.equal(details['observedUnit'], 'percent');
  assert.ok(Math.abs((details['observedValue'] as number) - freePercent) <= 0.5);
  assert.equal(diskCheck().dependency, false);
});

test('disk: fails below minFreeBytes or minFreePercent, naming the threshold', async () => {
  const bytes = await runOnce(diskCheck({ path: '/', minFreeBytes: Number.MAX_SAFE_INTEGER }), 1000);
  assert.match(bytes.message, /^disk: .* free of .* \(.*%\) at \/, below minFreeBytes 8192\.0 TiB$/);
  const pct = await runOnce(diskCheck({ path: '/', minFreePercent: 100 }), 1000);
  assert.match(pct.message, /^disk: .* at \/, below minFreePercent 100%$/);
  const missing = await runOnce(diskCheck({ path: '/no/such/path' }), 1000);
  assert.equal(missing.message, "disk: ENOENT: no such file or directory, statfs '/no/such/path'");
});

test('disk: options are validated by name', () => {
  assert.throws(() => diskCheck({ minFreePercent: 101 }), /Expected `minFreePercent` to be a number from 0 to 100, got `101`/);
  assert.throws(() => diskCheck({ minFreeBytes: -1 }), /Expected `minFreeBytes` to be a non-negative integer, got `-1`/);
});
