import { metrics as otelMetrics, type BatchObservableResult, type MeterProvider, type Observable } from '@opentelemetry/api';
import type { HealthEngine } from '../engine/engine.js';
import * as v from '../engine/validate.js';
import { createMetrics, type Metrics } from '../metrics/index.js';
import { attributesOf, INSTRUMENTS, type InstrumentSpec } from './mapping.js';

export { INSTRUMENTS, LEFT_TO_RUNTIME_INSTRUMENTATION } from './mapping.js';
export type { InstrumentKind, InstrumentSpec } from './mapping.js';

/** Options of `registerOpenTelemetryMetrics()`. */
export interface OpenTelemetryOptions {
  /** Where the instruments are created. @default the global provider, `metrics.getMeterProvider()` from `@opentelemetry/api` */
  readonly meterProvider?: MeterProvider;
  /**
   * The probekit metrics to read. @default `health.metricsSource` for a `createHealth()` instance (the
   * counters behind the probe server's `/metrics`, including the worker's request counts), otherwise
   * `createMetrics(health)`
   */
  readonly metrics?: Metrics;
}

/** The instrumentation scope of every probekit instrument. */
export const METER_NAME = 'probekit';

const KEYS = ['meterProvider', 'metrics'];

/**
 * Registers probekit's series as OpenTelemetry instruments on `meterProvider`: observable gauges and
 * counters read at collection time from the same snapshot and counters as `/metrics`, and one
 * histogram (OpenTelemetry has no observable histogram) recorded as each check run completes.
 * Returns the metrics read and a function that stops reporting.
 */
export function registerOpenTelemetryMetrics(health: HealthEngine, options: OpenTelemetryOptions = {}): { readonly metrics: Metrics; unregister(): void } {
  v.plainObject('OpenTelemetry options', options);
  v.knownKeys('OpenTelemetry options', options, KEYS);
  const provider = options.meterProvider ?? otelMetrics.getMeterProvider();
  if (typeof provider?.getMeter !== 'function') {
    throw new TypeError(`Expected \`meterProvider\` to be an OpenTelemetry MeterProvider, got \`${v.describe(provider)}\``);
  }
  const shared = options.metrics ?? (health as { readonly metricsSource?: Metrics }).metricsSource;
  const metrics = shared ?? createMetrics(health);
  const meter = provider.getMeter(METER_NAME);

  const observables = new Map<string, { readonly spec: InstrumentSpec; readonly observable: Observable }>();
  for (const spec of INSTRUMENTS) {
    if (spec.kind === 'histogram') continue;
    const instrumentOptions = { unit: spec.unit, description: spec.description };
    const observable = spec.kind === 'counter' ? meter.createObservableCounter(spec.name, instrumentOptions) : meter.createObservableGauge(spec.name, instrumentOptions);
    observables.set(spec.family, { spec, observable });
  }
  const observe = (result: BatchObservableResult): void => {
    // One read per collection: every instrument sees the same moment.
    for (const family of metrics.families()) {
      const target = observables.get(family.name);
      if (!target || family.type === 'histogram') continue;
      for (const sample of family.samples) result.observe(target.observable, sample.value, attributesOf(target.spec, sample.labels));
    }
  };
  const observed = [...observables.values()].map((o) => o.observable);
  meter.addBatchObservableCallback(observe, observed);

  const durationSpec = INSTRUMENTS.find((spec) => spec.kind === 'histogram')!;
  const duration = meter.createHistogram(durationSpec.name, {
    unit: durationSpec.unit,
    description: durationSpec.description,
    advice: { explicitBucketBoundaries: [...metrics.collector.durationBuckets] },
  });
  const offRun = metrics.collector.onRun((check, seconds) => duration.record(seconds, attributesOf(durationSpec, { check })));

  let registered = true;
  return {
    metrics,
    unregister() {
      if (!registered) return;
      registered = false;
      meter.removeBatchObservableCallback(observe, observed);
      offRun();
      if (!shared) metrics.close();
    },
  };
}
