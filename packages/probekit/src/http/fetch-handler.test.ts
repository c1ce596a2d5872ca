import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { createHealth } from '../health.js';

const TOKEN = 's3cret-token-value';

async function failingRedis() {
  const clock = new VirtualClock();
  const health = createHealth({ clock, env: {}, detailsToken: TOKEN });
  health.readiness('db', () => undefined);
  health.readiness('redis', () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  });
  await clock.advance(1);
  return health;
}

async function answer(health: Awaited<ReturnType<typeof failingRedis>>, url: string, init: RequestInit = {}) {
  const response = await health.fetch(new Request(`http://pod.local${url}`, init));
  return { status: response.status, type: response.headers.get('content-type'), length: response.headers.get('content-length'), body: await response.text() };
}

describe('health.fetch, the fetch-style handler', () => {
  test('answers a probe with the status, headers and body of the node:http handler', async () => {
    const health = await failingRedis();
    try {
      const body = '[+]eventloop ok\n[+]startup ok\n[+]shutdown ok\n[+]db ok\n[-]redis failed: reason withheld\nreadyz check failed\n';
      assert.deepEqual(await answer(health, '/readyz'), { status: 503, type: 'text/plain; charset=utf-8', length: String(body.length), body });
      const response = await health.fetch(new Request('http://pod.local/readyz'));
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.deepEqual(await answer(health, '/livez'), { status: 200, type: 'text/plain; charset=utf-8', length: '2', body: 'ok' });
    } finally {
      await health.close();
    }
  });

  test('HEAD has the status and length but no body; other methods get 405; other paths 404', async () => {
    const health = await failingRedis();
    try {
      assert.deepEqual(await answer(health, '/readyz', { method: 'HEAD' }), { status: 503, type: 'text/plain; charset=utf-8', length: '107', body: '' });
      const post = await health.fetch(new Request('http://pod.local/readyz', { method: 'POST' }));
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');
      assert.equal(await post.text(), 'method not allowed\n');
      assert.deepEqual(await answer(health, '/nope'), { status: 404, type: 'text/plain; charset=utf-8', length: '10', body: 'not found\n' });
    } finally {
      await health.close();
    }
  });

  test('the details token shows reasons only when it matches', async () => {
    const health = await failingRedis();
    try {
      const shown = await answer(health, '/readyz', { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.match(shown.body, /^\[-\]redis failed: connect ECONNREFUSED 127\.0\.0\.1:6379 \(took 0 ms, never succeeded\)$/m);
      for (const authorization of [`Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
        const withheld = await answer(health, '/readyz', { headers: { authorization } });
        assert.match(withheld.body, /^\[-\]redis failed: reason withheld$/m, authorization);
        assert.doesNotMatch(withheld.body, /ECONNREFUSED/, authorization);
      }
    } finally {
      await health.close();
    }
  });

  test('JSON with ?exclude= leaves the excluded check out, notes it, and passes', async () => {
    const health = await failingRedis();
    try {
      const excluded = await answer(health, '/readyz?exclude=redis&format=json');
      assert.equal(excluded.status, 200);
      assert.equal(excluded.type, 'application/health+json');
      assert.deepEqual(JSON.parse(excluded.body), {
        status: 'pass',
        description: 'probekit readyz',
        notes: ['excluded: redis'],
        checks: {
          eventloop: [{ status: 'pass', componentType: 'system' }],
          startup: [{ status: 'pass', componentType: 'system' }],
          shutdown: [{ status: 'pass', componentType: 'system' }],
          db: [{ status: 'pass' }],
        },
      });
      const unmatched = await answer(health, '/readyz?exclude=nope', { headers: { accept: 'application/health+json' } });
      assert.equal(unmatched.status, 503);
      const doc = JSON.parse(unmatched.body) as { status: string; notes: string[]; checks: Record<string, unknown> };
      assert.equal(doc.status, 'fail');
      assert.deepEqual(doc.notes, ['some health checks cannot be excluded: no matches for "nope"']);
      assert.deepEqual(doc.checks['redis'], [{ status: 'fail' }]);
    } finally {
      await health.close();
    }
  });

  test('an exclusion holds for its own request only', async () => {
    const health = await failingRedis();
    try {
      assert.equal((await answer(health, '/readyz?exclude=redis')).status, 200);
      assert.equal((await answer(health, '/readyz')).status, 503);
    } finally {
      await health.close();
    }
  });
});
