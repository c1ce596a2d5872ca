import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../engine/clock.js';
import { createHealth } from '../health.js';

function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

for (const thread of ['main', 'worker'] as const) {
  describe(`/metrics on the probe server (thread: ${thread})`, () => {
    test('counts the requests it serves by probe and code, and serves the engine series', async () => {
      const clock = new VirtualClock();
      const health = createHealth({ clock, env: {} });
      health.readiness('redis', () => Promise.reject(new Error('connect ECONNREFUSED')));
      await clock.advance(1);
      const server = await health.listen({ port: 0, host: '127.0.0.1', thread });
      try {
        for (const path of ['/livez', '/livez', '/readyz', '/readyz/redis', '/nope']) await (await fetch(server.url + path)).text();
        const text = await (await fetch(server.url + '/metrics')).text();
        assert.deepEqual(lines(text, 'probekit_probe_requests_total'), [
          'probekit_probe_requests_total{probe="livez",code="200"} 2',
          'probekit_probe_requests_total{probe="readyz",code="503"} 2',
          'probekit_probe_requests_total{probe="other",code="404"} 1',
        ]);
        assert.deepEqual(lines(text, 'probekit_check_runs_total{check="redis"'), ['probekit_check_runs_total{check="redis",result="pass"} 0', 'probekit_check_runs_total{check="redis",result="fail"} 1']);
        assert.deepEqual(lines(text, 'probekit_ready '), ['probekit_ready 0']);
        const om = await fetch(server.url + '/metrics', { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
        assert.equal(om.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
        assert.ok((await om.text()).endsWith('# EOF\n'));
        assert.match((health as unknown as { metrics(): string }).metrics(), /^# HELP probekit_check_status /);
      } finally {
        await health.close();
      }
    });
  });
}

describe('/metrics from the worker after a scrape', () => {
  test('check runs reach the worker at once, not only with the 5 s post', async () => {
    const clock = new VirtualClock();
    const health = createHealth({ clock, env: {} });
    health.readiness('db', () => undefined, { intervalMs: 1000 });
    await clock.advance(1);
    const server = await health.listen({ port: 0, host: '127.0.0.1', thread: 'worker' });
    const runs = async (): Promise<string[]> => lines(await (await fetch(server.url + '/metrics')).text(), 'probekit_check_runs_total{check="db",result="pass"}');
    try {
      assert.deepEqual(await runs(), ['probekit_check_runs_total{check="db",result="pass"} 1']);
      // Three runs in a row, each seen within a second: the 5 s post alone would miss most of them.
      for (let n = 2; n <= 4; n++) {
        await clock.advance(1000);
        const deadline = performance.now() + 1000;
        let seen: string[] = [];
        while (performance.now() < deadline) {
          seen = await runs();
          if (seen[0] === `probekit_check_runs_total{check="db",result="pass"} ${n}`) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(seen, [`probekit_check_runs_total{check="db",result="pass"} ${n}`], `run ${n}`);
      }
    } finally {
      await health.close();
    }
  });
});

describe('/metrics from the worker while the main loop is blocked', () => {
  test('answers at once and shows the blocked seconds rising', async () => {
    const fixture = fileURLToPath(new URL('./test-fixtures/blocking-metrics-service.js', import.meta.url));
    const child = spawn(process.execPath, [fixture], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      child.stdin!.write('block\n');
      await new Promise((r) => setTimeout(r, 1500));
      const start = performance.now();
      const text = await (await fetch(url + '/metrics', { signal: AbortSignal.timeout(5000) })).text();
      const ms = performance.now() - start;
      const blocked = Number(lines(text, 'probekit_event_loop_blocked_seconds ')[0]?.split(' ')[1]);
      // The main loop blocks for 4 s; 1.5 s in, the worker reports roughly 1.4 s (generous bounds for a busy machine).
      assert.ok(blocked >= 0.5 && blocked < 4, `blocked ${blocked}`);
      assert.ok(ms < 1000, `answered in ${ms.toFixed(0)} ms while the main loop was blocked`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
