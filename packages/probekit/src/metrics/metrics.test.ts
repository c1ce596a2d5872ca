import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { VirtualClock, type Clock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { skipUnlessTool } from '@probekit/test-support';
import { renderExposition } from './exposition.js';
import { createMetrics } from './index.js';
import { MetricsEndpoint } from './endpoint.js';
import { RequestCounters, probeLabel } from '../http/request-counters.js';

/** A service in virtual time: `db` passes in 20 ms, `redis` fails, `search` hangs until its 1 s timeout. */
async function scenario() {
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  const requests = new RequestCounters();
  const metrics = createMetrics(health, { eventLoop: false, durationBuckets: [0.01, 0.1, 1] }, () => requests.all());
  health.startup('migrations', () => undefined);
  health.readiness('db', () => new Promise<void>((resolve) => clock.setTimeout(() => resolve(), 20)), { intervalMs: 5000 });
  health.readiness('redis', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')), { failingIntervalMs: 1000 });
  health.readiness('search', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })), {
    timeoutMs: 1000,
    failingIntervalMs: 2000,
  });
  health.heartbeat('queue-consumer', { timeoutMs: 30_000 });
  return { clock, health, metrics, requests };
}

function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

const promtool = await new Promise<boolean>((resolve) => execFile('promtool', ['--version'], (error) => resolve(!error)));

function promtoolCheck(args: string[], input?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', args, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const promtoolSkip = await skipUnlessTool('promtool', promtool);

describe('metrics', () => {
  test('after known events in virtual time the exposition has exactly these series', async () => {
    const { clock, health, metrics } = await scenario();
    try {
      // 0..1: first runs; redis fails at once, db passes at 20 ms, search times out at 1000 ms; redis reruns at 1000.
      await clock.advance(2500);
      const text = metrics.render().body;
      assert.deepEqual(lines(text, 'probekit_check_status'), [
        'probekit_check_status{check="migrations",probe="startup"} 1',
        'probekit_check_status{check="db",probe="readiness"} 1',
        'probekit_check_status{check="redis",probe="readiness"} 0',
        'probekit_check_status{check="search",probe="readiness"} 0',
        'probekit_check_status{check="queue-consumer",probe="liveness"} 1',
      ]);
      assert.deepEqual(lines(text, 'probekit_check_consecutive_failures'), [
        'probekit_check_consecutive_failures{check="migrations"} 0',
        'probekit_check_consecutive_failures{check="db"} 0',
        'probekit_check_consecutive_failures{check="redis"} 3',
        'probekit_check_consecutive_failures{check="search"} 1',
        'probekit_check_consecutive_failures{check="queue-consumer"} 0',
      ]);
      assert.deepEqual(lines(text, 'probekit_check_runs_total'), [
        'probekit_check_runs_total{check="migrations",result="pass"} 1',
        'probekit_check_runs_total{check="migrations",result="fail"} 0',
        'probekit_check_runs_total{check="db",result="pass"} 1',
        'probekit_check_runs_total{check="db",result="fail"} 0',
        'probekit_check_runs_total{check="redis",result="pass"} 0',
        'probekit_check_runs_total{check="redis",result="fail"} 3',
        'probekit_check_runs_total{check="search",result="pass"} 0',
        'probekit_check_runs_total{check="search",result="fail"} 1',
      ]);
      assert.deepEqual(lines(text, 'probekit_check_timeouts_total'), [
        'probekit_check_timeouts_total{check="migrations"} 0',
        'probekit_check_timeouts_total{check="db"} 0',
        'probekit_check_timeouts_total{check="redis"} 0',
        'probekit_check_timeouts_total{check="search"} 1',
      ]);
      assert.deepEqual(lines(text, 'probekit_check_duration_seconds_bucket{check="db"'), [
        'probekit_check_duration_seconds_bucket{check="db",le="0.01"} 0',
        'probekit_check_duration_seconds_bucket{check="db",le="0.1"} 1',
        'probekit_check_duration_seconds_bucket{check="db",le="1"} 1',
        'probekit_check_duration_seconds_bucket{check="db",le="+Inf"} 1',
      ]);
      assert.deepEqual(lines(text, 'probekit_check_duration_seconds_sum{check="search"}'), ['probekit_check_duration_seconds_sum{check="search"} 1']);
      assert.deepEqual(lines(text, 'probekit_check_duration_seconds_count{check="redis"}'), ['probekit_check_duration_seconds_count{check="redis"} 3']);
      assert.deepEqual(lines(text, 'probekit_live '), ['probekit_live 1']);
      assert.deepEqual(lines(text, 'probekit_ready '), ['probekit_ready 0']);
      assert.deepEqual(lines(text, 'probekit_started '), ['probekit_started 1']);
      assert.deepEqual(lines(text, 'probekit_shutting_down '), ['probekit_shutting_down 0']);
      assert.deepEqual(lines(text, 'probekit_startup_duration_seconds '), ['probekit_startup_duration_seconds 0']);
      assert.deepEqual(lines(text, 'probekit_main_thread_blocked_seconds_total '), ['probekit_main_thread_blocked_seconds_total 0']);
      assert.deepEqual(lines(text, '# TYPE probekit_check_runs_total'), ['# TYPE probekit_check_runs_total counter']);
      health.beginShutdown();
      await clock.advance(1);
      assert.deepEqual(lines(metrics.render().body, 'probekit_shutting_down '), ['probekit_shutting_down 1']);
    } finally {
      metrics.close();
      health.stop();
    }
  });

  test('startup duration is the time from creation to the startup latch', async () => {
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock, manualStartup: true });
    const metrics = createMetrics(health, { eventLoop: false });
    try {
      assert.deepEqual(lines(metrics.render().body, 'probekit_startup_duration_seconds'), []);
      await clock.advance(90_000);
      health.markStarted();
      assert.deepEqual(lines(metrics.render().body, 'probekit_startup_duration_seconds '), ['probekit_startup_duration_seconds 90']);
    } finally {
      metrics.close();
      health.stop();
    }
  });

  test('a watchdog gap counts as main-thread-blocked seconds beyond the interval', async () => {
    // A clock whose timers can be made to fire late, as they do behind a blocked loop.
    const base = new VirtualClock();
    let lateMs = 0;
    const clock: Clock = { now: () => base.now(), setTimeout: (fn, ms) => base.setTimeout(fn, ms + lateMs), clearTimeout: (h) => base.clearTimeout(h) };
    const health = new HealthEngine({ clock, watchdogIntervalMs: 100 });
    const metrics = createMetrics(health, { eventLoop: false, blockedThresholdMs: 50 });
    try {
      await base.advance(1000);
      lateMs = 2000;
      await base.advance(100); // this stamp schedules the next one 2.1 s later
      lateMs = 0;
      await base.advance(3000);
      assert.deepEqual(lines(metrics.render().body, 'probekit_main_thread_blocked_seconds_total '), ['probekit_main_thread_blocked_seconds_total 2']);
    } finally {
      metrics.close();
      health.stop();
    }
  });

  test('OpenMetrics when the scraper asks for it: family names without _total, UNIT lines, # EOF', async () => {
    const { clock, health, metrics } = await scenario();
    try {
      await clock.advance(10);
      const { contentType, body } = metrics.render('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
      assert.equal(contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
      assert.deepEqual(lines(body, '# TYPE probekit_check_runs'), ['# TYPE probekit_check_runs counter']);
      assert.deepEqual(lines(body, '# UNIT probekit_check_duration_seconds'), ['# UNIT probekit_check_duration_seconds seconds']);
      assert.ok(body.endsWith('\n# EOF\n'));
      assert.equal(metrics.render().contentType, 'text/plain; version=0.0.4; charset=utf-8');
    } finally {
      metrics.close();
      health.stop();
    }
  });

  test('requests are counted by probe and status code; per-check paths count under their probe', () => {
    const counters = new RequestCounters();
    const endpoint = new MetricsEndpoint(() => [], () => counters.all());
    for (const [url, status] of [['/livez', 200], ['/livez', 200], ['/readyz/redis?verbose', 503], ['/readyz', 503], ['/nope', 404]] as const) {
      counters.countRequest(url, status);
    }
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock });
    try {
      const body = renderExposition(endpoint.families({ snapshot: health.snapshot(), loopBlockedMs: 0 }), 'prometheus');
      assert.deepEqual(lines(body, 'probekit_probe_requests_total'), [
        'probekit_probe_requests_total{probe="livez",code="200"} 2',
        'probekit_probe_requests_total{probe="readyz",code="503"} 2',
        'probekit_probe_requests_total{probe="other",code="404"} 1',
      ]);
      // A worker's counts posted to the main thread add to the main endpoint's own.
      counters.setRemoteCounts([{ probe: 'livez', code: '200', count: 40 }, { probe: 'livez', code: '503', count: 3 }]);
      const merged = renderExposition(endpoint.families({ snapshot: health.snapshot(), loopBlockedMs: 0 }), 'prometheus');
      assert.deepEqual(lines(merged, 'probekit_probe_requests_total'), [
        'probekit_probe_requests_total{probe="livez",code="200"} 42',
        'probekit_probe_requests_total{probe="readyz",code="503"} 2',
        'probekit_probe_requests_total{probe="other",code="404"} 1',
        'probekit_probe_requests_total{probe="livez",code="503"} 3',
      ]);
      assert.equal(probeLabel('/startupz/x'), 'startupz');
      assert.equal(probeLabel('/metrics?x'), 'metrics');
      assert.equal(probeLabel('/constructor'), 'other');
    } finally {
      health.stop();
    }
  });

  test('a worker-side endpoint serves the main thread\'s posted families and its own blocked gauge while the main loop is blocked', () => {
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock, maxBlockMs: 5000 });
    const main = createMetrics(health, { eventLoop: false });
    try {
      const posted = structuredClone(main.collector.collect());
      const worker = new MetricsEndpoint(() => posted);
      const res = worker.respond({ method: 'GET', url: '/metrics', accept: '*/*' }, { snapshot: structuredClone(health.snapshot()), loopBlockedMs: 6500 });
      assert.equal(res?.status, 200);
      assert.deepEqual(lines(res!.body, 'probekit_event_loop_blocked_seconds '), ['probekit_event_loop_blocked_seconds 6.5']);
      assert.deepEqual(lines(res!.body, 'probekit_live '), ['probekit_live 0']);
      assert.deepEqual(lines(res!.body, 'probekit_main_thread_blocked_seconds_total '), ['probekit_main_thread_blocked_seconds_total 0']);
      assert.equal(worker.respond({ method: 'GET', url: '/livez', accept: undefined }, { snapshot: health.snapshot(), loopBlockedMs: 0 }), undefined);
      assert.equal(worker.respond({ method: 'POST', url: '/metrics', accept: undefined }, { snapshot: health.snapshot(), loopBlockedMs: 0 })?.status, 405);
    } finally {
      main.close();
      health.stop();
    }
  });

  test('publish posts at once, then on a change only while wanted()', async () => {
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock });
    const metrics = createMetrics(health, { eventLoop: false });
    let wanted = false;
    const posted: number[] = [];
    const runsOf = (families: readonly { name: string; type: string; samples?: readonly { value: number }[] }[]): number =>
      families.find((f) => f.name === 'probekit_check_runs_total')?.samples?.reduce((sum, s) => sum + s.value, 0) ?? -1;
    // The interval is far away: every post below comes from publish() itself or from a change.
    const stop = metrics.publish((families) => posted.push(runsOf(families)), 3_600_000, () => wanted);
    try {
      health.readiness('db', () => undefined, { intervalMs: 1000 });
      assert.deepEqual(posted, [0], 'one post when publishing starts');
      await clock.advance(1);
      await clock.advance(1000);
      assert.deepEqual(posted, [0], 'two runs changed the snapshot, nobody wanted them');
      wanted = true;
      await clock.advance(1000);
      assert.deepEqual(posted, [0, 3], 'the third run is posted');
    } finally {
      stop();
      metrics.close();
      health.stop();
    }
  });

  test('event-loop delay p99 and max see a 200 ms block on the real loop', async () => {
    const health = new HealthEngine();
    const metrics = createMetrics(health, { eventLoopResolutionMs: 10 });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const until = performance.now() + 200;
      while (performance.now() < until) {
        /* block the loop */
      }
      await new Promise((r) => setTimeout(r, 50));
      const text = metrics.render().body;
      const max = Number(lines(text, 'probekit_event_loop_delay_max_seconds ')[0]?.split(' ')[1]);
      // The monitor records the blocked interval as one delay of about 200 ms; a slow machine only adds.
      assert.ok(max >= 0.18 && max < 5, `max ${max}`);
      assert.equal(lines(text, 'probekit_event_loop_delay_p99_seconds ').length, 1);
    } finally {
      metrics.close();
      health.stop();
    }
  });

  test('rejects bad options naming the option and the value', () => {
    const health = new HealthEngine({ clock: new VirtualClock() });
    try {
      assert.throws(() => createMetrics(health, { durationBuckets: [1, 0.5] }), { message: 'Expected `durationBuckets` to be a non-empty array of finite numbers in ascending order, got `[1,0.5]`' });
      assert.throws(() => createMetrics(health, { eventLoopWindowMs: 0 }), { message: 'Expected `eventLoopWindowMs` to be a positive integer, got `0`' });
      assert.throws(() => createMetrics(health, { nope: 1 } as never), /Unknown option `nope` in metrics options/);
    } finally {
      health.stop();
    }
  });

  test('promtool check metrics accepts the output, in both formats, served over a real socket', { skip: promtoolSkip }, async () => {
    const { clock, health, metrics, requests } = await scenario();
    const server = createServer((req, res) => {
      const answer = metrics.respond({ method: req.method ?? 'GET', url: req.url ?? '/', accept: req.headers.accept });
      const status = answer?.status ?? 404;
      res.writeHead(status, answer?.headers ?? {});
      res.end(answer?.body ?? 'not found\n');
      requests.countRequest(req.url ?? '/', status);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await clock.advance(2500);
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      await (await fetch(`${url}/livez`)).text();
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.deepEqual(lines(text, 'probekit_probe_requests_total'), ['probekit_probe_requests_total{probe="livez",code="404"} 1']);
      const checked = await promtoolCheck(['check', 'metrics'], text);
      assert.equal(checked.output, '');
      assert.equal(checked.code, 0);
      const om = await (await fetch(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
      // NOTE: `promtool check metrics` reads only the Prometheus text format; Prometheus' OpenMetrics
      // parser is reachable through backfilling, which wants a timestamp on every sample.
      const stamped = om.replace(/^([^#\n].*)$/gm, '$1 1700000000');
      const dir = await mkdtemp(join(tmpdir(), 'probekit-om-'));
      try {
        await writeFile(join(dir, 'metrics.om'), stamped);
        const parsed = await promtoolCheck(['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'metrics.om'), join(dir, 'blocks')]);
        assert.equal(parsed.code, 0, parsed.output);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      metrics.close();
      health.stop();
    }
  });

  test('promtool check rules accepts the alert rules in docs/metrics.md', { skip: promtoolSkip }, async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../../docs/metrics.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n(groups:[\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(yaml, 'docs/metrics.md has a ```yaml block starting with groups:');
    const dir = await mkdtemp(join(tmpdir(), 'probekit-rules-'));
    try {
      await writeFile(join(dir, 'rules.yaml'), yaml);
      const checked = await promtoolCheck(['check', 'rules', join(dir, 'rules.yaml')]);
      assert.equal(checked.code, 0, checked.output);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

