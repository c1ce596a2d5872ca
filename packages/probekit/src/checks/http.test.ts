import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { httpCheck } from './http.js';
import { faultMatrix, runOnce } from './test-fixtures/fault-suite.js';

let server: Server;
let port: number;
let opened = 0;
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/down') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
    } else if (req.url === '/big') {
      res.writeHead(200).end('x'.repeat(1_000_000));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"pass"}');
    }
  });
  server.on('connection', (socket) => {
    opened += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('http: passes on 2xx and reports the status and round trip', async () => {
  const run = await runOnce(httpCheck(`http://127.0.0.1:${port}/`), 2000);
  assert.equal(run.ok, true, run.message);
  const details = run.value as Record<string, unknown>;
  assert.equal(details['output'], '200');
  assert.equal(details['observedUnit'], 'ms');
  assert.equal(details['componentType'], 'component');
});

test('http: an unexpected status fails with the URL, the status and what was expected', async () => {
  const url = `http://127.0.0.1:${port}/down`;
  assert.equal((await runOnce(httpCheck(url), 2000)).message, `http: GET ${url} answered 503, expected 200-399`);
  assert.equal((await runOnce(httpCheck(url, { expectedStatus: [200, 204] }), 2000)).message, `http: GET ${url} answered 503, expected 200, 204`);
  assert.equal((await runOnce(httpCheck(url, { expectedStatus: [503] }), 2000)).ok, true);
});

test('http: the body predicate reads at most maxBodyBytes', async () => {
  const url = `http://127.0.0.1:${port}/`;
  assert.equal((await runOnce(httpCheck(url, { expectBody: '"pass"' }), 2000)).ok, true);
  assert.equal((await runOnce(httpCheck(url, { expectBody: (b) => JSON.parse(b).status === 'pass' }), 2000)).ok, true);
  assert.equal((await runOnce(httpCheck(url, { expectBody: 'fail' }), 2000)).message, `http: GET ${url} answered 200 but the body did not match`);
  let seen = -1;
  const big = await runOnce(httpCheck(`http://127.0.0.1:${port}/big`, { maxBodyBytes: 1000, expectBody: (b) => ((seen = b.length), true) }), 2000);
  assert.equal(big.ok, true);
  assert.equal(seen, 1000);
});

test('http: fails under refuse, reset, blackhole and latency, and recovers each time', { timeout: 120_000 }, async () => {
  await faultMatrix({
    kind: 'http',
    target: { host: '127.0.0.1', port },
    connect: async (p) => `http://127.0.0.1:${p}/`,
    disconnect: async () => {},
    check: (url) => httpCheck(url),
    timeoutMs: 500,
    expect: {
      latency: /^http: timed out/,
      blackhole: /^http: timed out/,
      reset: /^http: (read ECONNRESET|other side closed|.*ECONNRESET)/,
      refuse: /^http: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    },
  });
});

test('http: 1,000 runs reuse one keep-alive connection, and 1,000 runs that leave a 1 MB body unread never pile up sockets', { timeout: 120_000 }, async () => {
  const definition = httpCheck(`http://127.0.0.1:${port}/big`);
  await runOnce(definition, 2000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const openedBefore = opened;
  const openBefore = sockets.size;
  for (let i = 0; i < 1000; i++) {
    const run = await runOnce(definition, 5000);
    assert.equal(run.ok, true, `run ${i}: ${run.message}`);
  }
  // An unread 1 MB body cancelled each run: fetch closes that connection rather than drain the
  // body (measured: 1,000 new connections for 1,000 runs), so the claim here is no pile-up.
  assert.ok(sockets.size <= openBefore + 1, `open sockets ${openBefore} -> ${sockets.size}`);
  const small = httpCheck(`http://127.0.0.1:${port}/`);
  await runOnce(small, 2000);
  const openedMid = opened;
  for (let i = 0; i < 1000; i++) assert.equal((await runOnce(small, 5000)).ok, true);
  assert.equal(opened, openedMid, 'small bodies: every run reused the keep-alive connection');
});

test('http: options are validated by name', () => {
  assert.throws(() => httpCheck('/relative'), /Expected `url` to be an absolute URL, got `"\/relative"`/);
  assert.throws(() => httpCheck('http://x', { expectedStatus: [] }), /Expected `expectedStatus` to be a non-empty array of status codes or a function, got `\[\]`/);
  assert.throws(() => httpCheck('http://x', { timeout: 1 } as never), /Unknown option `timeout` in httpCheck\(\) options/);
});
