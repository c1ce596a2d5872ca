import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from './engine/clock.js';
import { createHealth } from './health.js';
import { kWorker } from './http/server.js';

describe('settings from the environment', () => {
  test('PROBEKIT_THREAD picks the probe-server thread; an explicit option wins over it', async () => {
    const clock = new VirtualClock();
    for (const [env, options, expected] of [
      [{}, {}, 'worker'],
      [{ PROBEKIT_THREAD: 'main' }, {}, 'main'],
      [{ PROBEKIT_THREAD: 'worker' }, {}, 'worker'],
      [{ PROBEKIT_THREAD: '' }, {}, 'worker'],
      [{ PROBEKIT_THREAD: 'main' }, { thread: 'worker' }, 'worker'],
    ] as const) {
      const health = createHealth({ clock, env, ...options });
      try {
        assert.equal(health.settings.thread, expected, JSON.stringify({ env, options }));
      } finally {
        await health.close();
      }
    }
  });

  test('a PROBEKIT_THREAD that is neither is refused, naming the variable and the value', () => {
    assert.throws(() => createHealth({ clock: new VirtualClock(), env: { PROBEKIT_THREAD: 'Main' } }), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /`PROBEKIT_THREAD`/);
      assert.match(error.message, /"Main"/);
      return true;
    });
  });

  test('a probe server started with PROBEKIT_THREAD=main answers from the main thread', async () => {
    const health = createHealth({ clock: new VirtualClock(), env: { PROBEKIT_THREAD: 'main' } });
    try {
      const server = await health.listen({ port: 0, host: '127.0.0.1' });
      assert.equal(server.thread, 'main');
      assert.equal((server as unknown as Record<symbol, unknown>)[kWorker], undefined, 'no worker behind it');
      const response = await fetch(`${server.url}/livez`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'ok');
    } finally {
      await health.close();
    }
  });
});
