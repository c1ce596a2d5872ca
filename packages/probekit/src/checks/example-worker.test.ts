import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { SERVICES, skipUnless } from '@probekit/test-support';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/worker.js', import.meta.url));
const skip = (await skipUnless('postgres')) || (await skipUnless('redis')) || (await skipUnless('memcached'));

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

test('examples/worker.js: ready against the real servers, processes a job, exits 0 on SIGTERM', { skip, timeout: 60_000 }, async () => {
  const queueName = `probekit-example-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const child = spawn(process.execPath, [EXAMPLE], {
    env: { ...process.env, PROBEKIT_PORT: '0', QUEUE: queueName, REDIS_PORT: String(SERVICES.redis.port), PG_PORT: String(SERVICES.postgres.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const queue = new Queue(queueName, { connection: SERVICES.redis });
  try {
    const deadline = Date.now() + 20_000;
    while (!/probes on http:\/\/127\.0\.0\.1:\d+/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const base = /probes on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    assert.ok(base, `the example did not start: ${output}`);
    let ready = 0;
    while (ready !== 200 && Date.now() < deadline) {
      ready = await status(`${base}/readyz`);
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ready, 200, `readyz never passed: ${output}`);
    assert.equal(await status(`${base}/livez`), 200);
    const job = await queue.add('hello', {});
    const finished = Date.now() + 15_000;
    while ((await job.getState()) !== 'completed' && Date.now() < finished) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await job.getState(), 'completed');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, output);
    assert.match(output, /hook "worker" done in \d+ ms/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
});
