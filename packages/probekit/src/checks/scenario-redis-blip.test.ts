/**
 * Scenario A of docs/probes.md, the Redis blip, in real time with scaled-down intervals: readiness checks
 * Redis through the fault proxy, liveness watches only a heartbeat, Redis disappears for 20 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createHealth } from '../health.js';
import { SERVICES, skipUnless } from '@probekit/test-support';
import { createFaultProxy } from '../testing/fault-proxy.js';
import { redisCheck } from './redis.js';

const skip = await skipUnless('redis');

// Scaled: intervalMs 500 stands for the default 5 s; the outage is the real 20 s.
const INTERVAL_MS = 500;
const TIMEOUT_MS = 300;
const RECONNECT_MS = 100;
const POLL_MS = 50;
const OUTAGE_MS = 20_000;
// Slack for a busy 2-core machine: timer and scheduling delays, never part of the contract.
const SLACK_MS = 400;

interface Sample {
  readonly at: number;
  readonly ready: number;
  readonly live: number;
}

test('scenario A: a 20 s Redis outage takes the pod out of readiness and back, and liveness never fails', { skip, timeout: 90_000 }, async () => {
  const proxy = await createFaultProxy({ target: SERVICES.redis });
  const redis = new Redis({ host: '127.0.0.1', port: proxy.port, retryStrategy: () => RECONNECT_MS, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // the app logs these; an outage is expected here
  const health = createHealth({ env: {} });
  const job = health.heartbeat('queue-worker', { timeoutMs: 1000 });
  const beating = setInterval(() => job.beat(), 100);
  health.readiness('redis', redisCheck(redis), { intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
  const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'main' });
  const samples: Sample[] = [];
  let polling = true;
  const status = async (path: string): Promise<number> => {
    const res = await fetch(server.url + path);
    await res.body?.cancel();
    return res.status;
  };
  const poller = (async () => {
    while (polling) {
      const at = performance.now();
      const [ready, live] = await Promise.all([status('/readyz'), status('/livez')]);
      samples.push({ at, ready, live });
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  try {
    await health.whenReady({ signal: AbortSignal.timeout(10_000) });
    const readyAt = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const outageStart = performance.now();
    // A partition first (packets vanish), then Redis is gone (connections refused).
    await proxy.setMode('blackhole');
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    await proxy.setMode('refuse');
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    await proxy.setMode('pass');
    const outageEnd = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    polling = false;
    await poller;

    const before = samples.filter((s) => s.at > readyAt + POLL_MS && s.at < outageStart);
    const during = samples.filter((s) => s.at >= outageStart && s.at < outageEnd);
    const after = samples.filter((s) => s.at >= outageEnd);
    assert.ok(before.length > 5 && during.length > 100 && after.length > 10, `samples: ${before.length}/${during.length}/${after.length}`);
    assert.ok(before.every((s) => s.ready === 200), 'ready before the outage');

    const firstFail = during.find((s) => s.ready === 503);
    assert.ok(firstFail, 'readiness failed during the outage');
    const failAfter = firstFail.at - outageStart;
    assert.ok(failAfter <= INTERVAL_MS + TIMEOUT_MS + POLL_MS + SLACK_MS, `/readyz failed ${Math.round(failAfter)} ms into the outage`);
    assert.ok(during.filter((s) => s.at > firstFail.at).every((s) => s.ready === 503), '/readyz stays 503 for the rest of the outage (no flapping)');

    const firstBack = after.find((s) => s.ready === 200);
    assert.ok(firstBack, 'readiness came back');
    const backAfter = firstBack.at - outageEnd;
    // The failing check runs every failingIntervalMs (<= intervalMs); the client reconnects after RECONNECT_MS.
    assert.ok(backAfter <= INTERVAL_MS + RECONNECT_MS + POLL_MS + SLACK_MS, `/readyz recovered ${Math.round(backAfter)} ms after the outage`);
    assert.ok(after.filter((s) => s.at > firstBack.at).every((s) => s.ready === 200), '/readyz stays 200 after recovery');

    assert.deepEqual([...new Set(samples.map((s) => s.live))], [200], '/livez never failed: no restart');
    console.log(`# scenario A: /readyz failed ${Math.round(failAfter)} ms into the outage, recovered ${Math.round(backAfter)} ms after it; ${samples.length} samples, /livez always 200`);
  } finally {
    polling = false;
    await poller.catch(() => {});
    clearInterval(beating);
    await health.close();
    redis.disconnect();
    await proxy.close();
  }
});
