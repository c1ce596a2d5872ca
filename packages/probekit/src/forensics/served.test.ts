import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { SERVED_JOURNAL } from './files.js';
import { readJson } from './journal.js';
import { ServedLivenessRecorder } from './served.js';

// The probe worker records the /livez answers it served, so the next process can tell why the
// kubelet restarted this one. Its own test (forensics.test.ts) SIGKILLs the child it runs in; here
// the recorder runs in this process, where its behaviour can be observed.

test('the served-liveness recorder journals only /livez GET and HEAD answers, failing from 400 up, with the reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'probekit-served-'));
  const health = new HealthEngine({ clock: new VirtualClock(), maxBlockMs: 5000 });
  const recorder = new ServedLivenessRecorder(dir, 0);
  const journal = async () => {
    await recorder.flushed();
    return readJson(join(dir, SERVED_JOURNAL));
  };
  try {
    const snapshot = health.snapshot();
    recorder.observe({ method: 'GET', url: '/readyz' }, 503, snapshot, 0);
    recorder.observe({ method: 'POST', url: '/livez' }, 405, snapshot, 0);
    recorder.observe({ method: 'GET', url: '/livez/eventloop' }, 503, snapshot, 9000);
    assert.equal(await journal(), undefined, 'other paths and methods are not recorded');

    recorder.observe({ method: 'GET', url: '/livez' }, 200, snapshot, 0);
    assert.deepEqual(pick(await journal()), { ok: true, failures: 0 });

    recorder.observe({ method: 'GET', url: '/livez?verbose' }, 503, snapshot, 9000);
    assert.deepEqual(pick(await journal()), { ok: false, failures: 1, reason: 'eventloop: event loop blocked for 9 s' });
    // A repeated failure only refreshes the count, on the journal's rate limit (a trailing write).
    recorder.observe({ method: 'HEAD', url: '/livez' }, 503, snapshot, 9000);
    await until(async () => (pick(await journal()).failures === 2));
    assert.deepEqual(pick(await journal()), { ok: false, failures: 2, reason: 'eventloop: event loop blocked for 9 s' });

    // NOTE: the kubelet counts 200-399 as success, so a 399 is a pass: kubernetes/kubernetes
    // pkg/probe/http/http.go DoHTTPProbe, `res.StatusCode >= http.StatusOK && res.StatusCode <
    // http.StatusBadRequest` (read at commit 03aacded1e0e8e9ebf2a84039f02433bb7b38bd0).
    recorder.observe({ method: 'GET', url: '/livez' }, 399, snapshot, 0);
    assert.deepEqual(pick(await journal()), { ok: true, failures: 0 });
    recorder.observe({ method: 'GET', url: '/livez' }, 400, snapshot, 0);
    assert.deepEqual(pick(await journal()), { ok: false, failures: 1, reason: 'answered 400' });
  } finally {
    recorder.close();
    health.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  // The trailing write is due at once (minWriteIntervalMs 0); the bound is for a busy machine.
  const deadline = performance.now() + 10_000;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail('the trailing write never came');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function pick(record: unknown): Record<string, unknown> {
  const r = record as Record<string, unknown>;
  return { ok: r['ok'], failures: r['failures'], ...(r['reason'] === undefined ? {} : { reason: r['reason'] }) };
}
