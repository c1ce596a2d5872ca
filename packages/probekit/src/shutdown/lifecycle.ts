import type { Clock } from '../engine/clock.js';
import { formatMs } from '../engine/errors.js';
import * as v from '../engine/validate.js';
import type { DrainableServer } from './drain.js';
import { resolveShutdownOptions, type ShutdownLogger } from './options.js';
import { EXIT_INCOMPLETE, Shutdown, type ShutdownHealth, type ShutdownPhase } from './shutdown.js';

/** Options of `drainInLifecycle()`: the parts of `shutdownOn()` that apply when a framework owns the signals and the exit. */
export interface LifecycleShutdownOptions {
  /** Servers to drain: stop accepting, close idle keep-alive connections, wait for in-flight requests. More with `lifecycle.server(s)`. @default [] */
  readonly servers?: readonly DrainableServer[];
  /** Serve normally this long after readiness turned false. @default 5000 when `KUBERNETES_SERVICE_HOST` is set, else 0 */
  readonly drainDelayMs?: number;
  /** The pod's `terminationGracePeriodSeconds` in ms. @default 30000 */
  readonly gracePeriodMs?: number;
  /** Everything is over (or the process is ended) by `gracePeriodMs - marginMs`. @default 2000 */
  readonly marginMs?: number;
  /** Time kept after the drain for the framework's own shutdown (its hooks, its server close). @default 5000 */
  readonly frameworkMs?: number;
  /** Ends the process when the framework's shutdown overruns the grace period. @default `process.exit` */
  readonly exit?: (code: number) => void;
  /** @default console, each line prefixed `probekit shutdown:` */
  readonly logger?: ShutdownLogger;
  /** Read once, here, to detect Kubernetes. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default the real clock */
  readonly clock?: Clock;
}

export const lifecycleDefaults = { frameworkMs: 5000 } as const;

const KEYS = ['servers', 'drainDelayMs', 'gracePeriodMs', 'marginMs', 'frameworkMs', 'exit', 'logger', 'env', 'clock'] as const;

/**
 * The drain part of the shutdown, for a framework that owns the signals and the exit (NestJS with
 * `enableShutdownHooks()`): `drain()` fails readiness, serves through the drain delay and waits for
 * in-flight requests, then returns so the framework runs its own hooks and exits. No signal handler
 * is installed, so the framework's signal (and its re-raised one) never forces an exit.
 */
export class LifecycleShutdown {
  readonly #sequence: Shutdown;
  readonly #exit: (code: number) => void;
  readonly #logger: ShutdownLogger;
  readonly #clock: Clock;
  readonly #budgetMs: number;
  readonly #frameworkMs: number;
  #drained: Promise<number> | undefined;
  #deadline: unknown;
  #finished = false;

  constructor(health: ShutdownHealth, options: LifecycleShutdownOptions = {}) {
    if (health === null || typeof health !== 'object' || typeof health.beginShutdown !== 'function') {
      throw new TypeError(`Expected the first argument of drainInLifecycle() to be the health (createHealth()), got \`${v.describe(health)}\``);
    }
    v.plainObject('drainInLifecycle() options', options);
    v.knownKeys('drainInLifecycle() options', options, KEYS);
    const { frameworkMs: frameworkInput, exit, logger, ...rest } = options;
    const frameworkMs = v.nonNegativeInteger('frameworkMs', frameworkInput ?? lifecycleDefaults.frameworkMs);
    // Validates servers, delays, grace period, margin, exit and logger with shutdownOn()'s messages.
    const resolved = resolveShutdownOptions({ ...rest, ...(exit ? { exit } : {}), ...(logger ? { logger } : {}), signals: [], hooks: [] });
    if (frameworkMs >= resolved.gracePeriodMs - resolved.marginMs) {
      throw new TypeError(`Expected \`frameworkMs\` to be less than \`gracePeriodMs - marginMs\` (${resolved.gracePeriodMs - resolved.marginMs}), got \`${frameworkMs}\``);
    }
    this.#exit = resolved.exit;
    this.#logger = resolved.logger;
    this.#clock = resolved.clock;
    this.#budgetMs = resolved.gracePeriodMs - resolved.marginMs;
    this.#frameworkMs = frameworkMs;
    // NOTE: the drain is shutdownOn()'s sequence with no signals and no hooks, its grace period shortened by
    // frameworkMs so that time is left for the framework's own hooks; its "exit" only ends the drain.
    const budget = `budget ${formatMs(this.#budgetMs - frameworkMs)} (grace period ${formatMs(resolved.gracePeriodMs)} - margin ${formatMs(resolved.marginMs)} - ${formatMs(frameworkMs)} kept for the framework)`;
    this.#sequence = new Shutdown(
      { beginShutdown: () => health.beginShutdown() },
      { ...rest, gracePeriodMs: resolved.gracePeriodMs - frameworkMs, signals: [], hooks: [], exit: () => {}, logger: resolved.logger, clock: resolved.clock },
      // shutdownOn()'s lines, told from the framework's side: the budget names the time kept for the framework,
      // and the last line says the framework goes on instead of "exiting with code".
      { budget: () => budget, end: (code, elapsed, cutShort) => `drained (code ${code}) after ${elapsed}${cutShort}; the framework shuts down the rest` },
    );
  }

  /** The phase of the drain running now (`exit` once it is over), or undefined before it started. */
  get phase(): ShutdownPhase | undefined {
    return this.#sequence.phase;
  }

  /** Adds a server to drain (for servers created after this object). */
  server(server: DrainableServer): this {
    this.#sequence.server(server);
    return this;
  }

  /**
   * Fails readiness, serves for the drain delay, drains the servers; resolves with 0, or 1 when
   * requests had to be cut. Once, however often called. From then on the grace-period deadline runs:
   * call `done()` when the framework's shutdown is over, or the process is ended at the deadline.
   */
  drain(reason = 'the framework is shutting down'): Promise<number> {
    if (this.#drained) return this.#drained;
    const startedAt = this.#clock.now();
    this.#deadline = this.#clock.setTimeout(() => {
      if (this.#finished) return;
      this.#finished = true;
      this.#logger.error(
        `grace period budget of ${formatMs(this.#budgetMs)} (gracePeriodMs - marginMs) used up ${formatMs(this.#clock.now() - startedAt)} after ${reason}: the framework's shutdown did not finish; exiting with code ${EXIT_INCOMPLETE}`,
      );
      this.#exit(EXIT_INCOMPLETE);
    }, this.#budgetMs);
    this.#drained = this.#sequence.shutdown(reason);
    return this.#drained;
  }

  /** The framework's shutdown is over: cancels the deadline. Idempotent. */
  done(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#deadline !== undefined) this.#clock.clearTimeout(this.#deadline);
    this.#sequence.dispose();
  }

  /** Time kept for the framework after the drain, in ms. */
  get frameworkMs(): number {
    return this.#frameworkMs;
  }
}

/**
 * Creates the drain for a framework that owns the signals and the exit; see `LifecycleShutdown`
 * and docs/nestjs.md.
 */
export function drainInLifecycle(health: ShutdownHealth, options: LifecycleShutdownOptions = {}): LifecycleShutdown {
  return new LifecycleShutdown(health, options);
}
