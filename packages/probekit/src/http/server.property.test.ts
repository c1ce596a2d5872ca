import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import fc from 'fast-check';
import { VirtualClock } from '../engine/clock.js';
import { createHealth } from '../health.js';
import { MAX_BODY_BYTES } from './render.js';
import { checkNames } from './test-fixtures/arbitraries.js';
import { kWorker, type ProbeThread } from './server.js';

const SECRET = 'SECRET-in-a-reason';
const TOKEN = 'property-token';

const segment = fc.oneof(fc.constantFrom('livez', 'readyz', 'startupz', 'healthz', 'metrics', 'constructor', 'toString', '__proto__', 'hasOwnProperty', '%2F', '%ZZ', '..'), fc.string({ maxLength: 10 }).map(encodeURIComponent));
const url = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(fc.constantFrom('verbose', 'format=json', 'exclude=constructor', 'exclude=__proto__'), fc.string({ maxLength: 10 }).map(encodeURIComponent)), { maxLength: 3 }))
  .map(([parts, q]) => `/${parts.join('/')}${q.length > 0 ? `?${q.join('&')}` : ''}`);
/** Header values node:http lets a client send: visible ASCII and spaces. */
const headerValue = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'),
  url,
  headers: fc.record(
    {
      accept: fc.oneof(fc.constantFrom('application/json', 'application/health+json;q=0.9, text/plain;q=0.1', '*/*'), headerValue),
      authorization: fc.oneof(fc.constantFrom(`Bearer ${TOKEN}x`, 'Bearer', `Basic ${TOKEN}`), headerValue),
      'x-anything': headerValue,
    },
    { requiredKeys: [] },
  ),
  body: fc.option(fc.string({ maxLength: 2000 }), { nil: undefined }),
});

interface Req {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

function send(port: number, r: Req): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: r.method, path: r.url, headers: r.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // A hang is a failure: every request is answered within the server's own timeouts.
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${r.method} ${r.url} in 10 s`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

for (const thread of ['main', 'worker'] as const satisfies readonly ProbeThread[]) {
  test(`the probe server (thread: ${thread}) answers arbitrary requests for arbitrary check names: no crash, no hang, no reason without the token`, async () => {
    await fc.assert(
      fc.asyncProperty(checkNames, fc.array(requestArb, { minLength: 5, maxLength: 15 }), async (names, requests) => {
        const clock = new VirtualClock();
        const health = createHealth({ clock, env: {}, detailsToken: TOKEN });
        names.forEach((name, i) => health.readiness(name, i % 3 === 0 ? () => Promise.reject(new Error(`${SECRET} ${name}`)) : () => undefined));
        await clock.advance(1);
        const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
        const worker = thread === 'worker' ? (server as unknown as { [kWorker]: () => unknown })[kWorker]() : undefined;
        try {
          for (const r of requests) {
            const answer = await send(server.port, r);
            assert.ok([200, 404, 405, 503].includes(answer.status), `${r.method} ${r.url}: ${answer.status}`);
            assert.ok(!answer.body.includes(SECRET), `a reason leaked on ${r.method} ${r.url}`);
            assert.ok(Buffer.byteLength(answer.body) <= MAX_BODY_BYTES || r.url.startsWith('/metrics'));
          }
          const ready = await send(server.port, { method: 'GET', url: '/readyz', headers: {}, body: undefined });
          assert.equal(ready.status, names.length > 0 ? 503 : 200);
          if (thread === 'worker') assert.equal((server as unknown as { [kWorker]: () => unknown })[kWorker](), worker, 'the worker never died');
        } finally {
          await health.close();
        }
      }),
      { numRuns: 12 },
    );
  });
}
