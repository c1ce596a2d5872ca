import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { VirtualClock } from '../engine/clock.js';
import { createHealth } from '../health.js';
import { MAX_BODY_BYTES, render, type ProbeRequest } from './render.js';

const SECRET = 'SECRET-db-password-in-error';
const TOKEN = 'fuzz-details-token';

async function fuzzHealth() {
  const clock = new VirtualClock();
  const health = createHealth({ clock, env: {}, detailsToken: TOKEN });
  health.readiness('db', () => Promise.reject(new Error(`auth failed for ${SECRET}`)));
  health.readiness('cache', () => Promise.reject(new Error(`${SECRET} cache`)), { critical: false });
  health.liveness('loop', () => ({ observedValue: 1, output: SECRET }));
  for (let i = 0; i < 60; i++) health.readiness(`many-${i}-${'x'.repeat(40)}`, () => Promise.reject(new Error(`${SECRET} ${'y'.repeat(250)}`)));
  await clock.advance(1);
  return { clock, health };
}

const segment = fc.oneof(
  fc.constantFrom('livez', 'readyz', 'startupz', 'healthz', 'metrics', 'db', 'cache', 'loop', 'shutdown', '', '..', '%2F', '%ZZ', '%00'),
  fc.string({ maxLength: 12 }),
);
const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}`);
const query = fc.array(
  fc.oneof(
    fc.constantFrom('verbose', 'format=json', 'format=text', 'exclude=db', 'exclude=cache', 'exclude=', 'exclude=%E0%A4%A'),
    fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([k, v]) => `${encodeURIComponent(k)}=${v}`),
  ),
  { maxLength: 5 },
);
const request = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'get', 'BREW'),
  url: fc.tuple(path, query).map(([p, q]) => (q.length > 0 ? `${p}?${q.join('&')}` : p)),
  accept: fc.option(fc.oneof(fc.constantFrom('application/health+json', 'application/json;q=0', '*/*', 'text/plain', 'application/json;q=abc'), fc.string({ maxLength: 30 })), { nil: undefined }),
  authorization: fc.option(fc.oneof(fc.constantFrom(`Bearer ${TOKEN}x`, `Basic ${TOKEN}`, 'Bearer', `${TOKEN}`, `Bearer  ${TOKEN.slice(0, -1)}`), fc.string({ maxLength: 40 })), { nil: undefined }),
}) as fc.Arbitrary<ProbeRequest>;

test('random requests never crash render, never get a 500, never see a reason without the token, never exceed 10 KiB', async () => {
  const { health } = await fuzzHealth();
  const snapshot = health.snapshot();
  fc.assert(
    fc.property(request, fc.integer({ min: 0, max: 20_000 }), (req, loopBlockedMs) => {
      const response = render(snapshot, req, { now: snapshot.time, loopBlockedMs, detailsToken: TOKEN });
      assert.ok([200, 404, 405, 503].includes(response.status), `status ${response.status}`);
      assert.ok(!response.body.includes(SECRET), `reason leaked for ${JSON.stringify(req)}`);
      assert.ok(Buffer.byteLength(response.body) <= MAX_BODY_BYTES, `body of ${Buffer.byteLength(response.body)} bytes`);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      if (req.method === 'HEAD') assert.equal(response.body, '');
      if (response.headers['content-type'] === 'application/health+json' && req.method !== 'HEAD') JSON.parse(response.body);
    }),
    { numRuns: 3000 },
  );
  health.stop();
});

test('with the token, reasons are shown and the body still fits in 10 KiB', async () => {
  const { health } = await fuzzHealth();
  for (const accept of ['text/plain', 'application/health+json']) {
    const response = render(health.snapshot(), { method: 'GET', url: '/readyz', accept, authorization: `Bearer ${TOKEN}` }, { now: Date.now(), loopBlockedMs: 0, detailsToken: TOKEN });
    assert.equal(response.status, 503);
    assert.ok(response.body.includes(SECRET));
    assert.ok(Buffer.byteLength(response.body) <= MAX_BODY_BYTES);
    assert.match(response.body, /omitted \(body limit 10 KiB\)/);
  }
  health.stop();
});

test('raw random bytes on the probe socket never get a 500 and never crash the server', async () => {
  const { health } = await fuzzHealth();
  const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'main' });
  try {
    const raw = fc.oneof(
      fc.tuple(fc.constantFrom('GET', 'HEAD', 'POST', 'X'), path, fc.string({ maxLength: 40 })).map(([m, p, h]) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nX-A: ${h.replace(/[\r\n]/g, '')}\r\nConnection: close\r\n\r\n`),
      fc.string({ maxLength: 200 }).map((s) => `${s}\r\n\r\n`),
    );
    await fc.assert(
      fc.asyncProperty(raw, async (payload) => {
        const answer = await exchange(server.port, payload);
        // Only a payload of bare line breaks goes unanswered: the HTTP parser skips empty lines
        // before a request line and the client's end arrives first. Every other payload is answered.
        if (/^[\r\n]*$/.test(payload)) assert.equal(answer, '');
        else assert.match(answer, /^HTTP\/1\.1 (200|400|404|405|431|503) /, `answer to ${JSON.stringify(payload)}: ${JSON.stringify(answer.slice(0, 40))}`);
        assert.ok(!answer.includes(SECRET));
      }),
      { numRuns: 150 },
    );
    const after = await fetch(`${server.url}/livez`);
    assert.equal(after.status, 200);
  } finally {
    await health.close();
  }
});

function exchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    // A bound for a busy machine only: the server answers or closes at once.
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(data));
    socket.end(payload, 'latin1');
  });
}
