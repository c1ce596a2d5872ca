import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../engine/clock.js';
import { createHealth } from '../health.js';
import { assertContractOver, contractHealth } from './test-fixtures/contract-table.js';
import { kWorker, type ProbeThread } from './server.js';

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; ms: number }> {
  const start = performance.now();
  const res = await fetch(url, { headers });
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - start };
}

for (const thread of ['main', 'worker'] as const satisfies readonly ProbeThread[]) {
  describe(`the probe server (thread: ${thread})`, () => {
    test('serves the whole HTTP contract over a real socket', async () => {
      const { health } = await contractHealth();
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      try {
        assert.equal(server.thread, thread);
        assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        await assertContractOver(server.url);
      } finally {
        await health.close();
      }
    });

    test('before startup completes /startupz and /readyz are 503; during shutdown /readyz is 503 and /livez 200', async () => {
      const clock = new VirtualClock();
      const health = createHealth({ clock, manualStartup: true, env: {} });
      health.readiness('db', () => undefined);
      await clock.advance(1);
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      try {
        assert.deepEqual(await bodyOf(server.url + '/startupz'), [503, '[-]started failed: waiting for markStarted()\nstartupz check failed\n']);
        assert.deepEqual(await bodyOf(server.url + '/readyz'), [503, '[+]eventloop ok\n[-]startup failed: startup not complete\n[+]shutdown ok\n[+]db ok\nreadyz check failed\n']);
        health.markStarted();
        await settled(server.url + '/readyz', 200);
        assert.deepEqual(await bodyOf(server.url + '/startupz'), [200, 'ok']);
        health.beginShutdown();
        await settled(server.url + '/readyz', 503);
        assert.deepEqual(await bodyOf(server.url + '/readyz'), [503, '[+]eventloop ok\n[+]startup ok\n[-]shutdown failed: process is shutting down\n[+]db ok\nreadyz check failed\n']);
        assert.deepEqual(await bodyOf(server.url + '/livez'), [200, 'ok']);
      } finally {
        await health.close();
      }
    });

    test('a readiness check that never settles: every /readyz answers at once, failing once its timeout passed', async () => {
      const clock = new VirtualClock();
      const health = createHealth({ clock, env: {} });
      let runs = 0;
      health.readiness('stuck', () => {
        runs += 1;
        return new Promise(() => {});
      }, { timeoutMs: 500 });
      await clock.advance(1);
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      try {
        const before = await get(server.url + '/readyz');
        assert.equal(before.status, 503);
        assert.match(before.body, /\[-\]stuck failed: not yet checked/);
        await clock.advance(500);
        await settled(server.url + '/readyz', 503, /stuck failed: reason withheld/);
        assert.equal(runs, 1);
      } finally {
        await health.close();
      }
    });

    test('1,000 concurrent /readyz requests cause zero extra check runs', async () => {
      const clock = new VirtualClock();
      const health = createHealth({ clock, env: {} });
      let runs = 0;
      health.readiness('db', () => {
        runs += 1;
      });
      await clock.advance(1);
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      try {
        const before = runs;
        const statuses = await Promise.all(Array.from({ length: 1000 }, () => rawStatus(server.port, '/readyz')));
        assert.equal(statuses.filter((s) => s === 200).length, 1000);
        assert.equal(runs, before);
        assert.equal(before, 1);
      } finally {
        await health.close();
      }
    });
  });
}

describe('the worker-thread probe server', () => {
  test('keeps answering while the main loop is blocked, fails /livez with the reason after maxBlockMs, recovers after', async () => {
    const fixture = fileURLToPath(new URL('./test-fixtures/blocking-service.js', import.meta.url));
    const child = spawn(process.execPath, [fixture, 'worker'], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const url = (await lineFrom(child.stdout)).trim();
      assert.deepEqual(await bodyOf(`${url}/livez`), [200, 'ok']);
      let unblocked = false;
      const done = lineFrom(child.stdout).then(() => {
        unblocked = true;
      });
      child.stdin.write('block 3000\n');
      const samples: Array<{ t: number; status: number; body: string; ms: number; duringBlock: boolean }> = [];
      const start = performance.now();
      while (!unblocked && performance.now() - start < 10_000) {
        const r = await get(`${url}/livez?verbose`);
        samples.push({ t: performance.now() - start, ...r, duringBlock: !unblocked });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await done;
      const during = samples.filter((s) => s.duringBlock);
      assert.ok(during.length >= 10, `answered ${during.length} probes while blocked`);
      const latencies = during.map((s) => s.ms).sort((a, b) => a - b);
      const median = latencies[Math.floor(latencies.length / 2)] ?? Infinity;
      assert.ok(median <= 50, `median latency while blocked ${median.toFixed(1)} ms`);
      const failing = during.filter((s) => s.status === 503);
      assert.ok(failing.length > 0, 'livez failed during the block');
      assert.match(failing[0]?.body ?? '', /^\[-\]eventloop failed: event loop blocked for \d+(\.\d)? s\n/);
      // The first failure comes after about maxBlockMs (1 s), not before.
      assert.ok((failing[0]?.t ?? 0) >= 900, `first failure at ${failing[0]?.t.toFixed(0)} ms`);
      assert.ok(during.filter((s) => s.t < 700).every((s) => s.status === 200), 'passing before the bound');
      const after = await settled(`${url}/livez`, 200);
      assert.equal(after.body, 'ok');
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });

  test('a dead worker is restarted on the same port', async () => {
    const health = createHealth({ env: {} });
    const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
    const warned = once(process, 'warning');
    // An app keeps its process alive; the probe server deliberately does not.
    const app = setInterval(() => {}, 1000);
    try {
      const worker = (server as unknown as { [kWorker]: () => import('node:worker_threads').Worker })[kWorker]();
      await worker.terminate();
      const [warning] = (await warned) as [Error];
      assert.match(warning.message, /probe server worker exited .* restarting it/);
      await settled(`${server.url}/livez`, 200);
      assert.notEqual((server as unknown as { [kWorker]: () => unknown })[kWorker](), worker);
    } finally {
      clearInterval(app);
      await health.close();
    }
  });

  test('listen() rejects with the address when the port is taken', async () => {
    const a = createHealth({ env: {} });
    const b = createHealth({ env: {} });
    const server = await a.listen({ port: 0, host: '127.0.0.1', thread: 'main' });
    try {
      await assert.rejects(b.listen({ port: server.port, host: '127.0.0.1', thread: 'worker' }), /could not listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      await assert.rejects(b.listen({ port: server.port, host: '127.0.0.1', thread: 'main' }), /EADDRINUSE/);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('deploy-time settings', () => {
  test('environment variables are read at construction; explicit options win', () => {
    const env = { PROBEKIT_PORT: '9999', PROBEKIT_HOST: '127.0.0.1', PROBEKIT_DETAILS_TOKEN: 'from-the-environment' };
    const fromEnv = createHealth({ env });
    assert.deepEqual(fromEnv.settings, { port: 9999, host: '127.0.0.1', thread: 'worker', detailsToken: 'from-the-environment' });
    const explicit = createHealth({ env, port: 7000, thread: 'main' });
    assert.deepEqual(explicit.settings, { port: 7000, host: '127.0.0.1', thread: 'main', detailsToken: 'from-the-environment' });
    const defaults = createHealth({ env: {} });
    assert.deepEqual(defaults.settings, { port: 8081, host: '0.0.0.0', thread: 'worker', detailsToken: undefined });
    for (const h of [fromEnv, explicit, defaults]) h.stop();
  });

  test('bad settings name the option or variable and the value', () => {
    assert.throws(() => createHealth({ env: { PROBEKIT_PORT: 'eighty' } }), /`PROBEKIT_PORT` to be a port number \(0-65535\), got `"eighty"`/);
    assert.throws(() => createHealth({ env: {}, port: 70000 }), /Expected `port` in createHealth\(\) options to be an integer from 0 to 65535, got `70000`/);
    assert.throws(() => createHealth({ env: {}, thread: 'fiber' as never }), /Expected `thread` to be one of `worker`, `main`, got `"fiber"`/);
    assert.throws(() => createHealth({ env: {}, detailsToken: 'short' }), /`detailsToken` to be a string of at least 8 characters, got `a 5-character string`/);
    // The token is matched as the one word after `Bearer`: one with whitespace could never match. The message never shows it.
    for (const token of ['my secret token', 'trailing-newline\n', '\ttabbed-token']) {
      assert.throws(() => createHealth({ env: {}, detailsToken: token }), (error: Error) => error instanceof TypeError && /^Expected `detailsToken` to be printable ASCII without spaces .*, got a \d+-character string with whitespace$/.test(error.message) && !error.message.includes('secret'));
      assert.throws(() => createHealth({ env: { PROBEKIT_DETAILS_TOKEN: token } }), /`detailsToken`/);
    }
  });
});

async function bodyOf(url: string): Promise<[number, string]> {
  const r = await get(url);
  return [r.status, r.body];
}

/** Polls until the status (and body) match: snapshots reach a worker asynchronously. */
async function settled(url: string, status: number, body?: RegExp): Promise<{ status: number; body: string }> {
  const deadline = performance.now() + 5000;
  for (;;) {
    // A restarting worker refuses connections for a moment: that is "not yet", not a failure.
    const r = await get(url).catch((error: Error) => ({ status: 0, body: String(error.cause ?? error) }));
    if (r.status === status && (!body || body.test(r.body))) return r;
    if (performance.now() > deadline) assert.fail(`${url}: expected ${status}${body ? ` ${body}` : ''}, got ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function rawStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function lineFrom(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        stream.off('data', onData);
        stream.off('end', onEnd);
        const rest = buffered.slice(nl + 1);
        if (rest) stream.unshift(Buffer.from(rest));
        resolve(buffered.slice(0, nl));
      }
    };
    const onEnd = (): void => reject(new Error('stream ended before a line'));
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}
