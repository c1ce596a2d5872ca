import type { TimerHandle } from '../engine/clock.js';
import type { HealthEngine } from '../engine/engine.js';
import { HealthMetrics, type MetricsOptions } from './collector.js';
import { MetricsEndpoint, type MetricsRequest, type MetricsResponse } from './endpoint.js';
import { CONTENT_TYPES, formatFor, renderExposition, type ExpositionFormat } from './exposition.js';
import type { MetricFamily, RequestCount } from './model.js';

// The public entry `probekit/metrics`: createMetrics and the types its answers and sources use.
export { metricsDefaults } from './collector.js';
export type { FamilySource, HealthMetrics, MetricsOptions, RunListener } from './collector.js';
export type { MetricsEndpoint, MetricsRequest, MetricsResponse } from './endpoint.js';
export type { ExpositionFormat } from './exposition.js';
export type { HistogramFamily, HistogramSeries, MetricFamily, RequestCount, Sample, ScalarFamily } from './model.js';

/** The metrics of one health instance on the main thread: what `health.metrics()` and a main-loop `/metrics` serve. */
export interface Metrics {
  readonly collector: HealthMetrics;
  /** The endpoint for a probe server on the main loop. */
  readonly endpoint: MetricsEndpoint;
  /** Every family, as plain data. */
  families(): MetricFamily[];
  /** The exposition text; `accept` picks OpenMetrics when it asks for it. */
  render(accept?: string): { readonly contentType: string; readonly body: string };
  /** Answers `/metrics` (undefined for other paths). */
  respond(request: MetricsRequest): MetricsResponse | undefined;
  /**
   * Calls `post` with the main thread's families every `intervalMs` (event-loop delay moves without a
   * snapshot change) and on snapshot changes, at most once a second, while `wanted()` says someone
   * reads them (default: always), for a probe worker. Returns a stop function.
   */
  publish(post: (families: MetricFamily[]) => void, intervalMs?: number, wanted?: () => boolean): () => void;
  close(): void;
}

/** While `/metrics` is read, the main thread's families are posted at most this often on changes. */
const CHANGE_POST_MS = 1000;

/**
 * Creates the metrics of `engine`: subscribe now, so runs from here on are counted. `requests` gives
 * the probe servers' request counts (`RequestCounters.all()`); the metrics only render them.
 */
export function createMetrics(engine: HealthEngine, options: MetricsOptions = {}, requests: () => readonly RequestCount[] = () => []): Metrics {
  const collector = new HealthMetrics(engine, options);
  const endpoint = new MetricsEndpoint(() => collector.collect(), requests);
  const stops = new Set<() => void>();
  const context = () => ({ snapshot: engine.snapshot(), loopBlockedMs: engine.loopBlockedMs() });
  return {
    collector,
    endpoint,
    families: () => endpoint.families(context()),
    render(accept) {
      const format: ExpositionFormat = formatFor(accept);
      return { contentType: CONTENT_TYPES[format], body: renderExposition(endpoint.families(context()), format) };
    },
    // The snapshot and loop state are read only for a `/metrics` request.
    respond: (request) => endpoint.respond(request, context),
    publish(post, intervalMs = 5000, wanted = () => true) {
      let sentAt = -Infinity;
      let trailing: TimerHandle | undefined;
      const send = (): void => {
        sentAt = engine.clock.now();
        post(collector.collect());
      };
      // Collecting and posting on every change is most of an idle main thread's work: skipped while
      // nobody reads them, and at most once per CHANGE_POST_MS while someone does (each post collects
      // every check: one per change would be quadratic in the number of checks).
      const off = engine.on('change', () => {
        if (!wanted() || trailing !== undefined) return;
        const wait = sentAt + CHANGE_POST_MS - engine.clock.now();
        if (wait <= 0) {
          send();
          return;
        }
        trailing = engine.clock.setTimeout(() => {
          trailing = undefined;
          send();
        }, wait);
      });
      // NOTE: a real timer, unref()ed: it never keeps the process alive and runs whatever clock the engine uses.
      const timer = setInterval(send, intervalMs);
      timer.unref();
      send();
      const stop = (): void => {
        off();
        clearInterval(timer);
        if (trailing !== undefined) engine.clock.clearTimeout(trailing);
        stops.delete(stop);
      };
      stops.add(stop);
      return stop;
    },
    close() {
      for (const stop of stops) stop();
      collector.close();
    },
  };
}
