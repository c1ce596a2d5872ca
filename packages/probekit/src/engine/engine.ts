import { realClock, type Clock } from './clock.js';
import { HealthClosedError } from './errors.js';
import { Emitter } from './listeners.js';
import { BUILTIN_NAMES, evaluate } from './evaluate.js';
import { CheckRunner, type CheckTransition, type ResolvedCheckOptions } from './runner.js';
import { isRunAbortCheck } from './run-abort.js';
import type { CheckDefinition, CheckFunction, CheckOptions, CheckSnapshot, HealthSnapshot, ProbeKind } from './types.js';
import { PROBE_KINDS } from './types.js';
import * as v from './validate.js';
import { HeartbeatMonitor, type Heartbeat } from './heartbeat.js';
import { LoopWatchdog } from './watchdog.js';

/** Options of the engine. Every default is listed. */
export interface EngineOptions {
  /** Liveness fails while the main event loop has been blocked longer than this; 0 disables. @default 5000 */
  readonly maxBlockMs?: number;
  /** Readiness fails while the main event loop has been blocked longer than this; 0 disables. @default 1000 */
  readonly maxLagMs?: number;
  /** How often the event-loop watchdog stamps the time. @default 100 */
  readonly watchdogIntervalMs?: number;
  /** Startup completes only when `markStarted()` is called. @default false */
  readonly manualStartup?: boolean;
  /** Names of dependency checks allowed on liveness despite the restart-storm risk. @default [] */
  readonly allowLivenessDependencies?: readonly string[];
  /** Defaults for every check registered on this instance. @default {} */
  readonly checkDefaults?: CheckOptions;
  /** Time and timers. @default the real clock, timers unref()ed */
  readonly clock?: Clock;
}

/** Options for `check()`: per-check options plus the probes the check serves. */
export interface MultiProbeCheckOptions extends CheckOptions {
  readonly probes: readonly ProbeKind[];
}

export interface HeartbeatOptions {
  /** Liveness fails when no beat came for this long. */
  readonly timeoutMs: number;
}

export interface HealthEvents {
  /** A new snapshot (coalesced: at most one per event-loop turn). */
  change: (snapshot: HealthSnapshot) => void;
  /** A check's reported status changed. */
  transition: (event: CheckTransition) => void;
  /** Startup completed (once). */
  started: (event: { readonly at: number; readonly durationMs: number }) => void;
  /** `beginShutdown()` was called (once). */
  shutdown: (event: { readonly at: number }) => void;
}

export const engineDefaults = {
  maxBlockMs: 5000,
  maxLagMs: 1000,
  watchdogIntervalMs: 100,
  manualStartup: false,
  allowLivenessDependencies: [] as readonly string[],
  checkDefaults: {} as CheckOptions,
} satisfies Required<Omit<EngineOptions, 'clock'>>;

export const checkOptionDefaults = {
  timeoutMs: 1000,
  intervalMs: 5000,
  failingIntervalMs: 1000,
  critical: true,
  failureThreshold: 1,
  successThreshold: 1,
  dependency: false,
} satisfies Required<Omit<CheckOptions, 'componentType'>>;

export const ENGINE_KEYS = ['maxBlockMs', 'maxLagMs', 'watchdogIntervalMs', 'manualStartup', 'allowLivenessDependencies', 'checkDefaults', 'clock'] as const;
const CHECK_KEYS = ['timeoutMs', 'intervalMs', 'failingIntervalMs', 'critical', 'failureThreshold', 'successThreshold', 'dependency', 'componentType'] as const;

/** The health engine: scheduling and state, no HTTP. */
export class HealthEngine {
  readonly clock: Clock;
  readonly #options: Omit<Required<EngineOptions>, 'clock'>;
  readonly #runners = new Map<string, CheckRunner>();
  readonly #heartbeats = new Map<string, HeartbeatMonitor>();
  /** Registration order over checks and heartbeats. */
  readonly #order: string[] = [];
  readonly #watchdog: LoopWatchdog;
  readonly #events = new Emitter<HealthEvents>(['change', 'transition', 'started', 'shutdown']);
  readonly #createdAt: number;
  #started = false;
  #startedAt: number | undefined;
  #shuttingDown = false;
  #notReady: string | undefined;
  #fatal: string | undefined;
  #closed = false;
  #version = 0;
  #snapshot: HealthSnapshot | undefined;
  #changeQueued = false;
  #latchQueued = false;

  constructor(options: EngineOptions = {}) {
    v.plainObject('options', options);
    v.knownKeys('createHealth() options', options, ENGINE_KEYS);
    const o = { ...engineDefaults, ...v.withoutUndefined(options) };
    v.nonNegativeInteger('maxBlockMs', o.maxBlockMs);
    v.nonNegativeInteger('maxLagMs', o.maxLagMs);
    v.positiveInteger('watchdogIntervalMs', o.watchdogIntervalMs);
    v.boolean('manualStartup', o.manualStartup);
    if (!Array.isArray(o.allowLivenessDependencies) || !o.allowLivenessDependencies.every((n) => typeof n === 'string')) {
      throw new TypeError(`Expected \`allowLivenessDependencies\` to be an array of check names, got \`${v.describe(o.allowLivenessDependencies)}\``);
    }
    resolveCheckOptions('checkDefaults', o.checkDefaults, {});
    this.clock = options.clock ?? realClock;
    this.#options = {
      maxBlockMs: o.maxBlockMs,
      maxLagMs: o.maxLagMs,
      watchdogIntervalMs: o.watchdogIntervalMs,
      manualStartup: o.manualStartup,
      allowLivenessDependencies: Object.freeze([...o.allowLivenessDependencies]),
      checkDefaults: Object.freeze({ ...o.checkDefaults }),
    };
    this.#createdAt = this.clock.now();
    this.#watchdog = new LoopWatchdog(this.clock, this.#options.watchdogIntervalMs);
    this.#watchdog.start();
    // NOTE: startup is judged on a later turn, so checks registered right after createHealth() count.
    this.#queueLatch();
  }

  /** Registers a check on the startup probe. */
  startup(name: string, check: CheckFunction | CheckDefinition, options?: CheckOptions): this {
    return this.check(name, check, { ...options, probes: ['startup'] });
  }

  /** Registers a check on the liveness probe. Dependency checks are refused (the restart storm). */
  liveness(name: string, check: CheckFunction | CheckDefinition, options?: CheckOptions): this {
    return this.check(name, check, { ...options, probes: ['liveness'] });
  }

  /** Registers a check on the readiness probe: where dependencies belong. */
  readiness(name: string, check: CheckFunction | CheckDefinition, options?: CheckOptions): this {
    return this.check(name, check, { ...options, probes: ['readiness'] });
  }

  /** Registers one check that serves several probes, e.g. `{ probes: ['startup', 'readiness'] }`. */
  check(name: string, check: CheckFunction | CheckDefinition, options: MultiProbeCheckOptions): this {
    this.#assertOpen();
    v.checkName(name);
    this.#assertFreeName(name);
    v.plainObject('options', options);
    const { probes, ...rest } = options;
    const probeList = resolveProbes(probes);
    const { fn, definition } = resolveCheck(name, check);
    const resolved = resolveCheckOptions(`options of check \`${name}\``, rest, {
      ...checkOptionDefaults,
      ...this.#options.checkDefaults,
      ...definition?.defaults,
      ...(definition?.dependency === undefined ? {} : { dependency: definition.dependency }),
      ...(definition?.componentType === undefined ? {} : { componentType: definition.componentType }),
    });
    if (probeList.includes('liveness') && resolved.dependency && !this.#options.allowLivenessDependencies.includes(name)) {
      throw new TypeError(restartStormMessage(name));
    }
    if (probeList.includes('startup') && this.#started) {
      throw new Error(
        `Cannot register startup check \`${name}\`: startup already completed${this.#options.manualStartup ? ' (markStarted() was called)' : ' (no startup check was pending)'}. Register startup checks right after createHealth(), or use \`manualStartup: true\` and call markStarted().`,
      );
    }
    const runner = new CheckRunner(name, probeList, fn, resolved, this.clock, {
      changed: () => this.#changed(),
      transition: (event) => this.#emit('transition', event),
      // #queueLatch() returns at once once startup completed.
      ranOnce: (r) => {
        if (r.probes.includes('startup')) this.#queueLatch();
      },
    });
    this.#runners.set(name, runner);
    this.#order.push(name);
    runner.start();
    this.#changed();
    return this;
  }

  /** A liveness heartbeat for a background job: liveness fails when `beat()` stops for `timeoutMs`. */
  heartbeat(name: string, options: HeartbeatOptions): Heartbeat {
    this.#assertOpen();
    v.checkName(name);
    this.#assertFreeName(name);
    v.plainObject('heartbeat options', options);
    v.knownKeys(`options of heartbeat \`${name}\``, options, ['timeoutMs']);
    const timeoutMs = v.positiveInteger('timeoutMs', options.timeoutMs);
    const monitor = new HeartbeatMonitor(name, timeoutMs, this.clock, {
      changed: () => this.#changed(),
      transition: (event) => this.#emit('transition', event),
      removed: (removed) => {
        this.#heartbeats.delete(removed);
        this.#order.splice(this.#order.indexOf(removed), 1);
        this.#changed();
      },
    });
    this.#heartbeats.set(name, monitor);
    this.#order.push(name);
    this.#changed();
    return monitor;
  }

  /** Completes startup now (latched), whatever the startup checks say. */
  markStarted(): void {
    this.#assertOpen();
    this.#latch();
  }

  /** Fails readiness at once (`process is shutting down`); liveness is untouched. Idempotent. */
  beginShutdown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#changed();
    this.#emit('shutdown', { at: this.clock.now() });
  }

  /**
   * Takes the pod out of rotation from code (`setReady(false, 'maintenance')`) or puts it back
   * (`setReady(true)`): readiness answers accordingly on the very next probe, not at a check interval.
   * Liveness is untouched; shutdown and failing checks still fail readiness after `setReady(true)`.
   */
  setReady(ready: boolean, reason?: string): void {
    v.boolean('ready', ready);
    if (reason !== undefined) v.string('reason', reason);
    if (ready && reason !== undefined) throw new TypeError(`Expected no \`reason\` with \`setReady(true)\`, got \`${v.describe(reason)}\``);
    const next = ready ? undefined : reason || 'set not ready';
    if (next === this.#notReady) return;
    this.#notReady = next;
    this.#changed();
  }

  /**
   * Declares the process broken beyond repair: liveness (and readiness) fail from the very next
   * probe, so the kubelet restarts the container after `failureThreshold` probes. Latched: the first
   * reason stays; nothing undoes it but a restart.
   */
  fatal(reason: string): void {
    v.string('reason', reason);
    if (reason === '') throw new TypeError('Expected `reason` to be a non-empty string, got `""`');
    if (this.#fatal !== undefined) return;
    this.#fatal = reason;
    this.#changed();
  }

  /** The reason given to `fatal()`, or undefined. */
  get fatalReason(): string | undefined {
    return this.#fatal;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  get started(): boolean {
    return this.#started;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The current state as immutable plain data. */
  snapshot(): HealthSnapshot {
    if (this.#snapshot) return this.#snapshot;
    const checks: CheckSnapshot[] = [];
    for (const name of this.#order) checks.push((this.#runners.get(name) ?? this.#heartbeats.get(name))!.snapshot());
    const o = this.#options;
    // Two literals rather than a conditional spread: the same keys in the same order, without a
    // temporary object (a snapshot is taken after every change).
    const snapshot: HealthSnapshot =
      this.#startedAt === undefined
        ? { version: this.#version, time: this.clock.now(), started: this.#started, manualStartup: o.manualStartup, shuttingDown: this.#shuttingDown, notReady: this.#notReady, fatal: this.#fatal, maxBlockMs: o.maxBlockMs, maxLagMs: o.maxLagMs, checks: Object.freeze(checks) }
        : { version: this.#version, time: this.clock.now(), started: this.#started, startedAt: this.#startedAt, manualStartup: o.manualStartup, shuttingDown: this.#shuttingDown, notReady: this.#notReady, fatal: this.#fatal, maxBlockMs: o.maxBlockMs, maxLagMs: o.maxLagMs, checks: Object.freeze(checks) };
    this.#snapshot = Object.freeze(snapshot);
    return this.#snapshot;
  }

  /** How long the main event loop has not run timers, beyond the watchdog interval. */
  loopBlockedMs(): number {
    return this.#watchdog.blockedMs();
  }

  /** The watchdog, for the worker-thread server's shared heartbeat. */
  get watchdog(): LoopWatchdog {
    return this.#watchdog;
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends keyof HealthEvents>(event: K, listener: HealthEvents[K]): () => void {
    return this.#events.on(event, listener);
  }

  /** Resolves once readiness passes (at once if it does); rejects on `signal` or close. */
  whenReady(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (this.#isReady()) return Promise.resolve();
    if (this.#closed) return Promise.reject(new HealthClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        off();
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        cleanup();
        // Stryker disable next-line OptionalChaining: onAbort is added only when there is a signal
        reject(signal?.reason);
      };
      const off = this.on('change', () => {
        if (this.#isReady()) {
          cleanup();
          resolve();
        } else if (this.#closed) {
          cleanup();
          reject(new HealthClosedError());
        }
      });
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: onAbort's cleanup() removes the listener on the first abort, so `once` changes nothing
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops every schedule and timer and aborts runs in flight. Idempotent. */
  stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchdog.stop();
    for (const runner of this.#runners.values()) runner.stop(true);
    for (const monitor of this.#heartbeats.values()) monitor.dispose();
    this.#changed();
  }

  #isReady(): boolean {
    // Stryker disable next-line ObjectLiteral: without loopBlockedMs the loop line compares undefined > bound, false as 0 > bound is
    return evaluate(this.snapshot(), 'readiness', { loopBlockedMs: 0 }).ok;
  }

  #assertOpen(): void {
    if (this.#closed) throw new HealthClosedError('health is closed; create a new instance');
  }

  #assertFreeName(name: string): void {
    if (BUILTIN_NAMES.includes(name)) {
      throw new TypeError(`Check name \`${name}\` is reserved for probekit's own lines (${BUILTIN_NAMES.map((n) => `\`${n}\``).join(', ')})`);
    }
    if (this.#runners.has(name) || this.#heartbeats.has(name)) {
      throw new TypeError(`A check named \`${name}\` is already registered; names must be unique (use \`check(name, fn, { probes })\` to serve several probes)`);
    }
  }

  #queueLatch(): void {
    if (this.#latchQueued || this.#started) return;
    this.#latchQueued = true;
    this.clock.setTimeout(() => {
      this.#latchQueued = false;
      // Started meanwhile (markStarted()): #latch() returns at once.
      if (this.#closed || this.#options.manualStartup) return;
      const startupRunners = [...this.#runners.values()].filter((r) => r.probes.includes('startup'));
      if (startupRunners.every((r) => r.everPassed)) this.#latch();
    }, 0);
  }

  #latch(): void {
    if (this.#started) return;
    const at = this.clock.now();
    this.#started = true;
    this.#startedAt = at;
    // NOTE: startup latches; checks that serve only startup stop running (docs/probes.md, rules).
    for (const runner of this.#runners.values()) {
      if (runner.probes.every((p) => p === 'startup')) runner.stop(false);
    }
    this.#changed();
    this.#emit('started', { at, durationMs: at - this.#createdAt });
  }

  #changed(): void {
    this.#snapshot = undefined;
    this.#version += 1;
    if (this.#changeQueued) return;
    this.#changeQueued = true;
    // NOTE: once per event-loop turn, not per microtask turn: checks due at the same time run in one
    // timers phase, one callback each, and a snapshot per callback (each O(checks), as is every
    // listener's look at it) made 10,000 checks cost 10,000² per round.
    setImmediate(() => {
      this.#changeQueued = false;
      this.#emit('change', this.snapshot());
    });
  }

  #emit<K extends keyof HealthEvents>(event: K, payload: Parameters<HealthEvents[K]>[0]): void {
    this.#events.emit(event, payload);
  }
}

function restartStormMessage(name: string): string {
  return (
    `Refusing to register dependency check \`${name}\` on liveness. A failing liveness probe restarts the container: ` +
    `when ${name} is slow or down, every replica fails liveness at once and Kubernetes restarts them all (the restart storm), ` +
    `and the reconnect wave and CrashLoopBackOff make the outage longer than ${name}'s own. ` +
    `Register it on readiness instead — health.readiness('${name}', …) takes the pod out of the load balancer without restarting it. ` +
    `If you truly want a restart when ${name} fails, opt in by name: createHealth({ allowLivenessDependencies: ['${name}'] }).`
  );
}

function resolveProbes(value: unknown): ProbeKind[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`Expected \`probes\` to be a non-empty array of ${PROBE_KINDS.map((p) => `\`${p}\``).join(', ')}, got \`${v.describe(value)}\``);
  }
  const probes = value.map((p) => v.oneOf('probes[]', p, PROBE_KINDS));
  return [...new Set(probes)];
}

function resolveCheck(name: string, check: unknown): { fn: CheckFunction; definition?: CheckDefinition } {
  if (typeof check === 'function') return { fn: check as CheckFunction };
  if (check !== null && typeof check === 'object' && typeof (check as CheckDefinition).check === 'function') {
    const definition = check as CheckDefinition;
    // A takesRunAbort check is a plain function that keeps its mark only if passed on as is.
    return { fn: isRunAbortCheck(definition.check) ? definition.check : (signal) => definition.check(signal), definition };
  }
  throw new TypeError(`Expected check \`${name}\` to be a function \`(signal) => …\` or an object with a \`check\` function, got \`${v.describe(check)}\``);
}

function resolveCheckOptions(what: string, input: unknown, base: CheckOptions): ResolvedCheckOptions {
  const options = v.plainObject(what, input);
  v.knownKeys(what, options, CHECK_KEYS);
  const o = { ...checkOptionDefaults, ...base, ...v.withoutUndefined(options) } as Required<Omit<CheckOptions, 'componentType'>> & { componentType?: unknown };
  const timeoutMs = v.positiveInteger('timeoutMs', o.timeoutMs);
  const intervalMs = v.positiveInteger('intervalMs', o.intervalMs);
  const failingIntervalMs = Math.min(v.positiveInteger('failingIntervalMs', o.failingIntervalMs), intervalMs);
  if (o.componentType !== undefined) v.string('componentType', o.componentType);
  return Object.freeze({
    timeoutMs,
    intervalMs,
    failingIntervalMs,
    critical: v.boolean('critical', o.critical),
    failureThreshold: v.positiveInteger('failureThreshold', o.failureThreshold),
    successThreshold: v.positiveInteger('successThreshold', o.successThreshold),
    dependency: v.boolean('dependency', o.dependency),
    componentType: o.componentType as string | undefined,
  });
}

