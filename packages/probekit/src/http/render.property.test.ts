import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { MAX_BODY_BYTES, render, type ProbeRequest } from './render.js';
import { PROTOTYPE_NAMES, checkNames } from './test-fixtures/arbitraries.js';

const SECRET = 'SECRET-in-a-reason';
const TOKEN = 'property-token';

const probePath = fc.constantFrom('/livez', '/readyz', '/startupz', '/healthz');
const query = fc.array(fc.oneof(fc.constantFrom('verbose', 'format=json', 'format=text', 'exclude=constructor', 'exclude=toString', 'exclude='), fc.string({ maxLength: 10 }).map(encodeURIComponent)), { maxLength: 4 });

test('any allowed names (every Object.prototype key among them) render well-formed answers with the right status and no reason without the token', async () => {
  await fc.assert(
    fc.asyncProperty(
      checkNames,
      fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
      fc.tuple(probePath, query, fc.option(fc.constantFrom('application/json', 'application/health+json', 'text/plain', '*/*'), { nil: undefined }), fc.option(fc.constantFrom(`Bearer ${TOKEN}`, 'Bearer wrong-token'), { nil: undefined })),
      fc.option(fc.constantFrom(...PROTOTYPE_NAMES), { nil: undefined }),
      async (names, failing, [path, q, accept, authorization], perCheck) => {
        const clock = new VirtualClock();
        const engine = new HealthEngine({ clock });
        try {
          names.forEach((name, i) => engine.readiness(name, failing[i] ? () => Promise.reject(new Error(`${SECRET} ${name}`)) : () => undefined));
          await clock.advance(1);
          const url = perCheck === undefined ? (q.length > 0 ? `${path}?${q.join('&')}` : path) : `${path}/${perCheck}`;
          const request: ProbeRequest = { method: 'GET', url, accept, authorization };
          const response = render(engine.snapshot(), request, { now: clock.now(), loopBlockedMs: 0, detailsToken: TOKEN });
          assert.ok([200, 404, 503].includes(response.status), `${url}: ${response.status}`);
          assert.ok(Buffer.byteLength(response.body) <= MAX_BODY_BYTES);
          if (authorization !== `Bearer ${TOKEN}`) assert.ok(!response.body.includes(SECRET), `a reason leaked on ${url}`);
          if (response.headers['content-type'] === 'application/health+json') {
            const doc = JSON.parse(response.body) as { status: string; checks: Record<string, unknown> };
            assert.equal(doc.status === 'fail', response.status === 503);
          }
          if (perCheck !== undefined) {
            const i = names.indexOf(perCheck);
            // Every check here is a readiness check: /readyz and /healthz list it, /livez and /startupz do not.
            const expected = i < 0 || path === '/livez' || path === '/startupz' ? 404 : failing[i] ? 503 : 200;
            assert.equal(response.status, expected, url);
          } else if (path === '/readyz' && !q.some((p) => p.startsWith('exclude='))) {
            assert.equal(response.status, names.some((_, i) => failing[i]) ? 503 : 200, url);
          }
        } finally {
          engine.stop();
        }
      },
    ),
    { numRuns: 300 },
  );
});
