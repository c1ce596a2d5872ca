import type { Registry, RegistryContentType } from 'prom-client';
import type { HealthEngine } from '../engine/engine.js';
import type { MetricsOptions } from './collector.js';
import { createMetrics, type Metrics } from './index.js';
import type { MetricFamily } from './model.js';

/** Options of `registerProbekitMetrics()`: where to register, plus the metrics options. */
export interface PromClientOptions extends MetricsOptions {
  /** The prom-client registry to register in. Required (pass `register` for the global one). */
  readonly registry: Registry<RegistryContentType>;
  /** Reuse existing probekit metrics (e.g. the ones `/metrics` serves) instead of creating new ones. @default created from `health` */
  readonly metrics?: Metrics;
}

/** Every family name probekit may expose; each becomes one prom-client metric (empty until it has samples). */
export const FAMILY_NAMES: readonly string[] = [
  'probekit_check_status',
  'probekit_check_consecutive_failures',
  'probekit_live',
  'probekit_ready',
  'probekit_started',
  'probekit_shutting_down',
  'probekit_event_loop_blocked_seconds',
  'probekit_probe_requests_total',
  'probekit_check_runs_total',
  'probekit_check_timeouts_total',
  'probekit_check_duration_seconds',
  'probekit_main_thread_blocked_seconds_total',
  'probekit_event_loop_delay_p99_seconds',
  'probekit_event_loop_delay_max_seconds',
  'probekit_startup_duration_seconds',
  'probekit_restarts_total',
  'probekit_previous_termination',
];

const HELP_UNTIL_PRESENT = 'probekit metric (no samples yet).';

interface PromValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/**
 * Registers probekit's series in a prom-client registry, computed at scrape time from the same
 * snapshot and counters as probekit's own `/metrics`. Returns a function that unregisters them.
 */
export function registerProbekitMetrics(health: HealthEngine, options: PromClientOptions): { readonly metrics: Metrics; unregister(): void } {
  const { registry, metrics: given, ...metricsOptions } = options ?? ({} as PromClientOptions);
  if (!registry || typeof registry.registerMetric !== 'function') {
    throw new TypeError(`Expected \`registry\` to be a prom-client Registry, got \`${registry === undefined ? 'undefined' : typeof registry}\``);
  }
  const metrics = given ?? createMetrics(health, metricsOptions);
  // One scrape calls every metric's get(); compute the families once per scrape turn.
  let cached: { readonly families: Map<string, MetricFamily> } | undefined;
  const current = (): Map<string, MetricFamily> => {
    if (!cached) {
      cached = { families: new Map(metrics.families().map((f) => [f.name, f])) };
      // prom-client calls every get() of one scrape before yielding to the event loop.
      setImmediate(() => (cached = undefined));
    }
    return cached.families;
  };
  for (const familyName of FAMILY_NAMES) {
    const found = metrics.families().find((f) => f.name === familyName);
    const metric = {
      name: familyName,
      help: found?.help ?? HELP_UNTIL_PRESENT,
      type: found?.type ?? (familyName.endsWith('_total') ? 'counter' : 'gauge'),
      aggregator: 'sum' as const,
      get() {
        const family = current().get(familyName);
        return { name: this.name, help: family?.help ?? this.help, type: family?.type ?? this.type, aggregator: 'sum', values: family ? valuesOf(family) : [] };
      },
    };
    registry.registerMetric(metric as unknown as Parameters<Registry<RegistryContentType>['registerMetric']>[0]);
  }
  return {
    metrics,
    unregister() {
      for (const name of FAMILY_NAMES) registry.removeSingleMetric(name);
      if (!given) metrics.close();
    },
  };
}

function valuesOf(family: MetricFamily): PromValue[] {
  if (family.type !== 'histogram') return family.samples.map((s) => ({ labels: { ...s.labels }, value: s.value }));
  const out: PromValue[] = [];
  for (const s of family.series) {
    s.bounds.forEach((bound, i) => out.push({ metricName: `${family.name}_bucket`, labels: { ...s.labels, le: bound }, value: s.counts[i] ?? 0 }));
    out.push({ metricName: `${family.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
    out.push({ metricName: `${family.name}_sum`, labels: { ...s.labels }, value: s.sum });
    out.push({ metricName: `${family.name}_count`, labels: { ...s.labels }, value: s.count });
  }
  return out;
}
