import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { describe, test } from 'node:test';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { skipUnlessTool } from '@probekit/test-support';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { createHealth } from '../health.js';
import { createMetrics } from '../metrics/index.js';
import { FAMILY_NAMES } from '../metrics/prom-client.js';
import { INSTRUMENTS, LEFT_TO_RUNTIME_INSTRUMENTATION, registerOpenTelemetryMetrics } from './index.js';

/** `db` passes in 20 ms, `redis` fails at once, `search` hangs until its 1 s timeout; all in virtual time. */
function scenario() {
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  const metrics = createMetrics(health, { eventLoop: false, durationBuckets: [0.01, 0.1, 1] });
  health.readiness('db', () => new Promise<void>((resolve) => clock.setTimeout(() => resolve(), 20)), { intervalMs: 5000 });
  health.readiness('redis', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')), { failingIntervalMs: 1000 });
  health.readiness('search', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })), {
    timeoutMs: 1000,
    failingIntervalMs: 2000,
  });
  return { clock, health, metrics };
}

/** A meter provider whose in-memory exporter receives one cumulative collection per `collect()`. */
function inMemory() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // NOTE: the interval never fires during a test; collections happen on forceFlush().
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect(): Promise<Map<string, MetricData>> {
      exporter.reset();
      await reader.forceFlush();
      const out = new Map<string, MetricData>();
      for (const rm of exporter.getMetrics()) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
      return out;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** `value attr=val,…` per point, sorted, for exact comparison. */
function points(metric: MetricData | undefined): string[] {
  assert.ok(metric, 'instrument missing from the collection');
  return metric.dataPoints
    .map((p) => {
      const attrs = Object.entries(p.attributes)
        .map(([k, val]) => `${k}=${String(val)}`)
        .join(',');
      return `${typeof p.value === 'number' ? p.value : JSON.stringify(p.value)} ${attrs}`.trim();
    })
    .sort();
}

const promtoolSkip = await skipUnlessTool('promtool', await new Promise<boolean>((resolve) => execFile('promtool', ['--version'], (error) => resolve(!error))));

describe('probekit/opentelemetry', () => {
  test('after known runs in virtual time the in-memory reader sees exactly these points', async () => {
    const { clock, health, metrics } = scenario();
    const otel = inMemory();
    const { unregister } = registerOpenTelemetryMetrics(health, { meterProvider: otel.provider, metrics });
    try {
      // redis fails at 0 and 1000, db passes at 20 ms, search times out at 1000 ms.
      await clock.advance(1500);
      const got = await otel.collect();
      assert.deepEqual(points(got.get('health_check.status')), [
        '0 health_check.name=redis,health_check.probe=readiness',
        '0 health_check.name=search,health_check.probe=readiness',
        '1 health_check.name=db,health_check.probe=readiness',
      ]);
      assert.deepEqual(points(got.get('health_check.runs')), [
        '0 health_check.name=db,health_check.result=fail',
        '0 health_check.name=search,health_check.result=pass',
        '1 health_check.name=db,health_check.result=pass',
        '1 health_check.name=search,health_check.result=fail',
        '2 health_check.name=redis,health_check.result=fail',
        '0 health_check.name=redis,health_check.result=pass',
      ].sort());
      assert.deepEqual(points(got.get('health_check.timeouts')), ['0 health_check.name=db', '0 health_check.name=redis', '1 health_check.name=search']);
      assert.deepEqual(points(got.get('health_check.consecutive_failures')), ['0 health_check.name=db', '1 health_check.name=search', '2 health_check.name=redis']);
      assert.deepEqual(points(got.get('probekit.ready')), ['0']);
      assert.deepEqual(points(got.get('probekit.live')), ['1']);
      assert.deepEqual(points(got.get('probekit.started')), ['1']);
      assert.deepEqual(points(got.get('probekit.shutting_down')), ['0']);

      const duration = got.get('health_check.duration');
      assert.equal(duration?.dataPointType, DataPointType.HISTOGRAM);
      assert.equal(duration?.descriptor.unit, 's');
      const byCheck = new Map(duration!.dataPoints.map((p) => [String(p.attributes['health_check.name']), p.value as { count: number; sum: number; buckets: { boundaries: number[]; counts: number[] } }]));
      assert.deepEqual(byCheck.get('db')?.buckets, { boundaries: [0.01, 0.1, 1], counts: [0, 1, 0, 0] });
      assert.equal(byCheck.get('db')?.sum, 0.02);
      assert.deepEqual(byCheck.get('search')?.buckets, { boundaries: [0.01, 0.1, 1], counts: [0, 0, 1, 0] });
      assert.deepEqual(byCheck.get('redis')?.buckets.counts, [2, 0, 0, 0]);
      assert.equal(got.get('health_check.runs')?.descriptor.unit, '{run}');
    } finally {
      unregister();
      metrics.close();
      health.stop();
      await otel.shutdown();
    }
  });

  test('the event-loop delay gauges are left to the runtime instrumentation and every other family has an instrument', () => {
    const mapped = INSTRUMENTS.map((spec) => spec.family);
    assert.deepEqual([...mapped, ...LEFT_TO_RUNTIME_INSTRUMENTATION].sort(), [...FAMILY_NAMES].sort());
    assert.equal(INSTRUMENTS.filter((spec) => spec.name.startsWith('nodejs.')).length, 0);
    assert.equal(new Set(INSTRUMENTS.map((spec) => spec.name)).size, INSTRUMENTS.length);
  });

  test('a createHealth() instance shares the counters behind /metrics, request counts included', async () => {
    const health = createHealth({ env: {}, port: 0, thread: 'main', metrics: { eventLoop: false } });
    health.liveness('self', () => undefined);
    const otel = inMemory();
    const { metrics, unregister } = registerOpenTelemetryMetrics(health, { meterProvider: otel.provider });
    const server = await health.listen();
    try {
      assert.equal(metrics, health.metricsSource);
      for (const path of ['/livez', '/livez', '/nope']) await (await fetch(server.url + path)).text();
      const got = await otel.collect();
      assert.deepEqual(points(got.get('probekit.probe.requests')), [
        '1 probekit.probe.endpoint=other,http.response.status_code=404',
        '2 probekit.probe.endpoint=livez,http.response.status_code=200',
      ]);
      const code = got.get('probekit.probe.requests')!.dataPoints[0]!.attributes['http.response.status_code'];
      assert.equal(typeof code, 'number');
    } finally {
      unregister();
      await health.close();
      await otel.shutdown();
    }
  });

  test('unregister stops reporting: later runs change no point', async () => {
    const { clock, health, metrics } = scenario();
    const otel = inMemory();
    const { unregister } = registerOpenTelemetryMetrics(health, { meterProvider: otel.provider, metrics });
    const redisFails = (got: Map<string, MetricData>): string[] => points(got.get('health_check.runs')).filter((p) => p.endsWith('name=redis,health_check.result=fail'));
    const redisRecorded = (got: Map<string, MetricData>): number | undefined =>
      (got.get('health_check.duration')?.dataPoints.find((p) => p.attributes['health_check.name'] === 'redis')?.value as { count: number } | undefined)?.count;
    try {
      await clock.advance(100);
      const before = await otel.collect();
      assert.deepEqual(redisFails(before), ['1 health_check.name=redis,health_check.result=fail']);
      assert.equal(redisRecorded(before), 1);
      unregister();
      unregister();
      await clock.advance(3000);
      // The Prometheus side goes on counting; the OpenTelemetry instruments keep their last values.
      assert.match(metrics.render().body, /probekit_check_runs_total\{check="redis",result="fail"\} 4/);
      const after = await otel.collect();
      assert.deepEqual(redisFails(after), ['1 health_check.name=redis,health_check.result=fail']);
      assert.equal(redisRecorded(after), 1);
    } finally {
      metrics.close();
      health.stop();
      await otel.shutdown();
    }
  });

  test('options are validated and named', () => {
    const health = new HealthEngine({ clock: new VirtualClock() });
    try {
      assert.throws(() => registerOpenTelemetryMetrics(health, { meterProvider: {} as never }), {
        name: 'TypeError',
        message: 'Expected `meterProvider` to be an OpenTelemetry MeterProvider, got `{}`',
      });
      assert.throws(() => registerOpenTelemetryMetrics(health, { registry: 1 } as never), { name: 'TypeError', message: /registry/ });
    } finally {
      health.stop();
    }
  });

  test('the Prometheus exporter serves the instruments as text that promtool check metrics accepts', { skip: promtoolSkip }, async () => {
    const { clock, health, metrics } = scenario();
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    const { unregister } = registerOpenTelemetryMetrics(health, { meterProvider: provider, metrics });
    let server: Server | undefined;
    try {
      await clock.advance(1500);
      server = createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      const text = await (await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`)).text();
      // The OpenTelemetry → Prometheus names the mapping table in docs/metrics.md lists.
      assert.match(text, /^health_check_status\{health_check_name="db",health_check_probe="readiness",otel_scope_name="probekit"\} 1$/m);
      assert.match(text, /^health_check_runs_total\{health_check_name="redis",health_check_result="fail",otel_scope_name="probekit"\} 2$/m);
      assert.match(text, /^health_check_duration_bucket\{health_check_name="search",otel_scope_name="probekit",le="1"\} 1$/m);
      assert.match(text, /^probekit_ready\{otel_scope_name="probekit"\} 0$/m);
      const checked = await promtool(['check', 'metrics'], text);
      assert.equal(checked.code, 0, checked.output);
    } finally {
      server?.close();
      unregister();
      metrics.close();
      health.stop();
      await provider.shutdown();
    }
  });
});

function promtool(args: string[], input: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', args, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }));
    child.stdin?.end(input);
  });
}
