import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { skipUnlessTool } from '@probekit/test-support';
import { createMetrics } from './index.js';
import { registerProbekitMetrics } from './prom-client.js';

const promtool = await new Promise<boolean>((resolve) => execFile('promtool', ['--version'], (error) => resolve(!error)));
const promtoolSkip = await skipUnlessTool('promtool', promtool);

const samples = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).sort();

async function setup() {
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  health.readiness('db', () => new Promise<void>((resolve) => clock.setTimeout(() => resolve(), 20)));
  health.readiness('redis', () => Promise.reject(new Error('connect ECONNREFUSED')));
  const metrics = createMetrics(health, { eventLoop: false });
  const registry = new Registry();
  new Counter({ name: 'app_requests_total', help: 'The app\'s own counter.', registers: [registry] }).inc(3);
  const handle = registerProbekitMetrics(health, { registry, metrics });
  await clock.advance(2500);
  return { health, metrics, registry, handle };
}

describe('prom-client integration (probekit/prometheus)', () => {
  test('the user\'s registry exposes the same series as probekit\'s own /metrics, beside the app\'s metrics', async () => {
    const { health, metrics, registry, handle } = await setup();
    try {
      const text = await registry.metrics();
      const own = samples(metrics.render().body);
      assert.deepEqual(samples(text).filter((l) => l.startsWith('probekit_')), own);
      assert.ok(text.includes('app_requests_total 3\n'));
      assert.ok(own.includes('probekit_check_runs_total{check="redis",result="fail"} 3'));
      assert.ok(own.includes('probekit_check_duration_seconds_bucket{check="db",le="0.025"} 1'));
    } finally {
      handle.unregister();
      metrics.close();
      health.stop();
    }
  });

  test('promtool check metrics accepts the registry output', { skip: promtoolSkip }, async () => {
    const { health, metrics, registry, handle } = await setup();
    try {
      const text = await registry.metrics();
      const result = await new Promise<{ code: number; output: string }>((resolve) => {
        const child = execFile('promtool', ['check', 'metrics'], (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: stdout + stderr }));
        child.stdin?.end(text);
      });
      assert.equal(result.output, '');
      assert.equal(result.code, 0);
    } finally {
      handle.unregister();
      metrics.close();
      health.stop();
    }
  });

  test('OpenMetrics from prom-client keeps counter samples with _total; unregister removes every probekit metric', async () => {
    const { health, metrics, registry, handle } = await setup();
    try {
      const om = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
      om.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      const omHandle = registerProbekitMetrics(health, { registry: om, metrics });
      const text = await om.metrics();
      omHandle.unregister();
      assert.ok(text.includes('# TYPE probekit_check_runs counter\n'));
      assert.ok(text.includes('probekit_check_runs_total{check="db",result="pass"} 1\n'));
      handle.unregister();
      assert.deepEqual(registry.getMetricsAsArray().map((m) => m.name), ['app_requests_total']);
      assert.throws(() => registerProbekitMetrics(health, {} as never), { message: 'Expected `registry` to be a prom-client Registry, got `undefined`' });
    } finally {
      metrics.close();
      health.stop();
    }
  });
});
