import type { HealthEngine } from '../engine/engine.js';
import type { HealthSnapshot } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { EventLoopDelay } from './event-loop.js';
import { DEFAULT_DURATION_BUCKETS, Histogram, validBuckets, type MetricFamily, type Sample } from './model.js';

/** Options of `createMetrics()`. Every default is listed. */
export interface MetricsOptions {
  /** Upper bounds (seconds) of the check duration histogram. @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] */
  readonly durationBuckets?: readonly number[];
  /** Measure event-loop delay with `perf_hooks.monitorEventLoopDelay`. @default true */
  readonly eventLoop?: boolean;
  /** Sampling resolution of the event-loop delay monitor. @default 10 */
  readonly eventLoopResolutionMs?: number;
  /** Length of the event-loop delay window; p99 and max cover the current and the last full window. @default 60000 */
  readonly eventLoopWindowMs?: number;
  /** A gap between watchdog stamps counts as blocked time when it exceeds the watchdog interval by this much. @default 50 */
  readonly blockedThresholdMs?: number;
}

export const metricsDefaults = {
  durationBuckets: DEFAULT_DURATION_BUCKETS,
  eventLoop: true,
  eventLoopResolutionMs: 10,
  eventLoopWindowMs: 60_000,
  blockedThresholdMs: 50,
} satisfies Required<MetricsOptions>;

const KEYS = Object.keys(metricsDefaults);

interface CheckCounters {
  runsSeen: number;
  pass: number;
  fail: number;
  timeouts: number;
  readonly duration: Histogram;
}

/** Told of each run added to the duration histogram: the check's name and the run's duration in seconds. */
export type RunListener = (check: string, seconds: number) => void;

/** A source of extra families (e.g. restart forensics) rendered with the rest. */
export type FamilySource = () => readonly MetricFamily[];

/**
 * The series accumulated on the main thread from engine events: check runs, durations, timeouts,
 * blocked time, event-loop delay and startup duration. Plain data out (`collect()`), so the result
 * can be posted to the probe worker.
 */
export class HealthMetrics {
  readonly #engine: HealthEngine;
  readonly #options: Required<MetricsOptions>;
  readonly #checks = new Map<string, CheckCounters>();
  readonly #sources = new Set<FamilySource>();
  readonly #runListeners = new Set<RunListener>();
  readonly #offs: (() => void)[] = [];
  readonly #eventLoop: EventLoopDelay | undefined;
  #blockedSeconds = 0;
  #startupSeconds: number | undefined;
  #closed = false;

  constructor(engine: HealthEngine, options: MetricsOptions = {}) {
    v.plainObject('metrics options', options);
    v.knownKeys('metrics options', options, KEYS);
    const o = { ...metricsDefaults, ...v.withoutUndefined(options) };
    this.#options = {
      durationBuckets: validBuckets('durationBuckets', o.durationBuckets),
      eventLoop: v.boolean('eventLoop', o.eventLoop),
      eventLoopResolutionMs: v.positiveInteger('eventLoopResolutionMs', o.eventLoopResolutionMs),
      eventLoopWindowMs: v.positiveInteger('eventLoopWindowMs', o.eventLoopWindowMs),
      blockedThresholdMs: v.nonNegativeInteger('blockedThresholdMs', o.blockedThresholdMs),
    };
    this.#engine = engine;
    this.#observe(engine.snapshot());
    this.#offs.push(engine.on('change', (snapshot) => this.#observe(snapshot)));
    this.#offs.push(
      engine.on('started', (event) => {
        this.#startupSeconds = event.durationMs / 1000;
      }),
    );
    const watchdog = engine.watchdog;
    let last: number | undefined;
    this.#offs.push(
      watchdog.onStamp((now) => {
        if (last !== undefined) {
          const excess = now - last - watchdog.intervalMs;
          if (excess > this.#options.blockedThresholdMs) this.#blockedSeconds += excess / 1000;
        }
        last = now;
      }),
    );
    this.#eventLoop = this.#options.eventLoop ? new EventLoopDelay(this.#options.eventLoopResolutionMs, this.#options.eventLoopWindowMs) : undefined;
  }

  /** Adds families from another part (restart forensics); returns a function that removes them. */
  addSource(source: FamilySource): () => void {
    this.#sources.add(source);
    return () => this.#sources.delete(source);
  }

  /** Upper bounds (seconds) of the duration histogram, as resolved from the options. */
  get durationBuckets(): readonly number[] {
    return this.#options.durationBuckets;
  }

  /**
   * Calls `listener` with each run's duration as it is added to the duration histogram (an exporter
   * whose histograms are pushed, not read, records them from here). Returns a function that removes it.
   */
  onRun(listener: RunListener): () => void {
    this.#runListeners.add(listener);
    return () => this.#runListeners.delete(listener);
  }

  /** The accumulated families, as plain data. */
  collect(): MetricFamily[] {
    const runs: Sample[] = [];
    const timeouts: Sample[] = [];
    const durations = [];
    for (const [check, c] of this.#checks) {
      runs.push({ labels: { check, result: 'pass' }, value: c.pass }, { labels: { check, result: 'fail' }, value: c.fail });
      timeouts.push({ labels: { check }, value: c.timeouts });
      durations.push(c.duration.series({ check }));
    }
    const families: MetricFamily[] = [
      { type: 'counter', name: 'probekit_check_runs_total', help: 'Completed check runs by result (timeouts count as fail).', samples: runs },
      { type: 'counter', name: 'probekit_check_timeouts_total', help: 'Check runs that exceeded their timeout (aborted at it, or overran it and failed).', samples: timeouts },
      { type: 'histogram', name: 'probekit_check_duration_seconds', help: 'How long check runs took.', unit: 'seconds', series: durations },
      {
        type: 'counter',
        name: 'probekit_main_thread_blocked_seconds_total',
        help: 'Time the main event loop was blocked, counted from watchdog gaps longer than the threshold.',
        unit: 'seconds',
        samples: [{ value: this.#blockedSeconds }],
      },
    ];
    if (this.#eventLoop) {
      const { p99Seconds, maxSeconds } = this.#eventLoop.read();
      families.push(
        { type: 'gauge', name: 'probekit_event_loop_delay_p99_seconds', help: '99th percentile of event-loop delay over the current and last window.', unit: 'seconds', samples: [{ value: p99Seconds }] },
        { type: 'gauge', name: 'probekit_event_loop_delay_max_seconds', help: 'Maximum event-loop delay over the current and last window.', unit: 'seconds', samples: [{ value: maxSeconds }] },
      );
    }
    if (this.#startupSeconds !== undefined) {
      families.push({ type: 'gauge', name: 'probekit_startup_duration_seconds', help: 'Time from creating the health instance to startup completing.', unit: 'seconds', samples: [{ value: this.#startupSeconds }] });
    }
    for (const source of this.#sources) families.push(...source());
    return families;
  }

  /** Stops listening and frees the event-loop monitor. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    this.#eventLoop?.close();
  }

  #observe(snapshot: HealthSnapshot): void {
    for (const check of snapshot.checks) {
      // Heartbeats have no runs, only beats.
      if (check.kind !== 'check') continue;
      let c = this.#checks.get(check.name);
      if (!c) {
        c = { runsSeen: 0, pass: 0, fail: 0, timeouts: 0, duration: new Histogram(this.#options.durationBuckets) };
        this.#checks.set(check.name, c);
      }
      const added = check.runs - c.runsSeen;
      const run = check.lastRun;
      if (added <= 0 || !run) continue;
      c.runsSeen = check.runs;
      // NOTE: change events are coalesced per microtask, so one event may stand for several runs;
      // the streak counters tell how many of them ended like the last one.
      const same = Math.min(added, run.ok ? check.consecutiveSuccesses : check.consecutiveFailures);
      if (run.ok) {
        c.pass += same;
        c.fail += added - same;
      } else {
        c.fail += same;
        c.pass += added - same;
        if (run.timedOut) c.timeouts += 1;
      }
      c.duration.observe(run.durationMs / 1000);
      for (const listener of this.#runListeners) listener(check.name, run.durationMs / 1000);
    }
  }
}

