import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const FIXTURE = fileURLToPath(new URL('../src/test-fixtures/require.cjs', import.meta.url));

test('a CommonJS file can require() the library and its subpaths', async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [FIXTURE], { timeout: 30_000 });
  assert.equal(stdout, 'required\n');
  assert.doesNotMatch(stderr, /Error/);
});
