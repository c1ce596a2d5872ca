import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseFlagDuration, run } from './check.js';
import { captureIO } from '@probekit/test-support';

function io(): ReturnType<typeof captureIO> {
  return captureIO(process.stdin);
}

describe('probekit check', () => {
  let server: ReturnType<typeof createServer>;
  let base = '';
  before(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/livez' ? 200 : 503, { connection: 'close' });
      res.end(req.url === '/livez' ? 'ok' : 'not ready');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('exits 0 and says healthy for a passing endpoint', async () => {
    const t = io();
    assert.equal(await run([`${base}/livez`, '--timeout', '5s'], t.io), 0);
    assert.match(t.out(), new RegExp(`^${base}/livez: healthy: HTTP 200 \\(\\d+ ms\\)\\n$`));
    assert.equal(t.err(), '');
  });

  test('exits 1 and reports on stderr for a failing endpoint', async () => {
    const t = io();
    assert.equal(await run([`${base}/readyz`], t.io), 1);
    assert.match(t.err(), new RegExp(`^${base}/readyz: unhealthy: HTTP 503 \\(\\d+ ms\\)\\n$`));
    assert.equal(t.out(), '');
  });

  test('--quiet prints nothing on success, --json prints the result', async () => {
    const q = io();
    assert.equal(await run([`${base}/livez`, '-q'], q.io), 0);
    assert.equal(q.out(), '');
    const j = io();
    assert.equal(await run([`${base}/readyz`, '--json'], j.io), 1);
    const doc = JSON.parse(j.out()) as Record<string, unknown>;
    assert.deepEqual([doc['healthy'], doc['outcome'], doc['statusCode'], doc['body'], doc['output']], [false, 'failure', 503, 'not ready', 'HTTP 503']);
  });

  const usage: [string, string[], RegExp][] = [
    ['no target', [], /expected one target, got 0/],
    ['two targets', ['tcp://a:1', 'tcp://b:2'], /expected one target, got 2/],
    ['not a URL', ['localhost:8080'], /unsupported target `localhost:8080`/],
    ['garbage', ['::'], /`::` is not a URL/],
    ['ftp', ['ftp://127.0.0.1/'], /unsupported target/],
    ['tcp without port', ['tcp://127.0.0.1'], /needs a port/],
    ['bad timeout', ['tcp://127.0.0.1:1', '--timeout', 'soon'], /`--timeout` must be a duration like 800ms or 2s, got `soon`/],
    ['bad header', ['http://127.0.0.1:1/', '-H', 'nocolon'], /`--header` must look like "Name: value", got `nocolon`/],
    ['unknown flag', ['http://127.0.0.1:1/', '--nope'], /Unknown option '--nope'/],
  ];
  for (const [name, argv, message] of usage) {
    test(`usage error (${name}) exits 2 with the reason`, async () => {
      const t = io();
      assert.equal(await run(argv, t.io), 2);
      assert.match(t.err(), message);
    });
  }

  test('durations: ms, s, bare milliseconds', () => {
    assert.deepEqual(['800ms', '2s', '1.5s', '250', '0', 'x', '-1s'].map(parseFlagDuration), [800, 2000, 1500, 250, undefined, undefined, undefined]);
  });
});

describe('probekit check starts fast', () => {
  const dist = fileURLToPath(new URL('../', import.meta.url));

  /** Static imports of a compiled module, followed through relative imports. */
  function staticImports(file: string, seen = new Set<string>()): Set<string> {
    const bare = new Set<string>();
    if (seen.has(file)) return bare;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) for (const b of staticImports(fileURLToPath(new URL(spec, `file://${file}`)), seen)) bare.add(b);
      else bare.add(spec);
    }
    return bare;
  }

  test('the check path loads only node built-ins at startup (no yaml, kubernetes-models, gRPC)', () => {
    const main = staticImports(`${dist}cli/main.js`);
    const check = staticImports(`${dist}cli/check.js`);
    for (const spec of [...main, ...check]) assert.match(spec, /^node:/, `\`${spec}\` is imported at load`);
    assert.ok(check.has('node:http') && check.has('node:net'), [...check].join(', '));
  });
  // How long a whole exec probe takes is measured in the benchmark (docs/benchmarks.md, comparison 7),
  // not here: a timed test fails on a loaded machine. The import graph above is the guard.
});
