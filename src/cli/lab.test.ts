import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from './lab.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await run(args, { stdout, stderr, stdin: new PassThrough(), env: {} });
  return { code, stdout: out, stderr: err };
}

test('probekit lab list names the shipped scenarios', async () => {
  const { code, stdout } = await cli(['list']);
  assert.equal(code, 0);
  for (const name of ['flapping', 'redis-blip', 'restart-storm', 'rolling-deploy', 'rolling-deploy-no-drain', 'slow-boot', 'slow-boot-no-startup']) {
    assert.ok(stdout.split('\n').includes(name), name);
  }
});

test('probekit lab <name> prints the summary and the timeline', async () => {
  const { code, stdout } = await cli(['redis-blip', '--width', '40']);
  assert.equal(code, 0);
  assert.match(stdout, /^redis-blip — /);
  assert.match(stdout, /requests: 1800 sent, 1510 served, 290 failed/);
  assert.match(stdout, /\nredis {4}\|-+D+-+\|\n/);
});

test('probekit lab --compare runs the second configuration under the first one\'s faults, side by side, and writes HTML', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'probekit-lab-cli-'));
  const html = join(dir, 'compare.html');
  const { code, stdout } = await cli(['--compare', 'rolling-deploy-no-drain', 'rolling-deploy', '--html', html]);
  assert.equal(code, 0);
  const lines = stdout.split('\n');
  assert.match(lines[0]!, /^\s+rolling-deploy-no-drain  rolling-deploy$/);
  assert.match(stdout, /\nrequests failed\s+201\s+159\n/);
  const page = await readFile(html, 'utf8');
  assert.equal(page.match(/<svg /g)?.length, 2);
  assert.match(page, /requests failed\s+201\s+159\n/);
});

test('probekit lab --json prints the whole result', async () => {
  const { code, stdout } = await cli(['slow-boot', '--json']);
  assert.equal(code, 0);
  const result = JSON.parse(stdout) as { summary: { restarts: number }; pods: unknown[] };
  assert.equal(result.summary.restarts, 0);
  assert.equal(result.pods.length, 3);
});

test('usage and scenario errors exit 2 with a message', async () => {
  assert.equal((await cli([])).code, 2);
  assert.equal((await cli(['a', 'b'])).code, 2);
  const missing = await cli(['no-such-scenario']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no scenario file `no-such-scenario`/);
  const width = await cli(['redis-blip', '--width', 'wide']);
  assert.equal(width.code, 2);
  assert.match(width.stderr, /`--width` to be an integer from 20 to 400, got `wide`/);
});

test('probekit lab run needs a command after -- and well-formed --dependency flags', async () => {
  const noCommand = await cli(['run', 'redis-blip']);
  assert.equal(noCommand.code, 2);
  assert.match(noCommand.stderr, /expected `-- <command> \[args\.\.\.\]`/);
  const badDep = await cli(['run', '--dependency', 'redis=localhost', '--', 'node', 'x.js']);
  assert.equal(badDep.code, 2);
  assert.match(badDep.stderr, /expected `--dependency` as name=host:port, got `redis=localhost`/);
  const stray = await cli(['redis-blip', '--', 'node']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /needs `probekit lab run`/);
});
