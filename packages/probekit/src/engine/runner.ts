import type { Clock, TimerHandle } from './clock.js';
import { CheckTimeoutError, HealthClosedError, formatMs } from './errors.js';
import { interpretResolved, reasonOf, type Interpreted } from './interpret.js';
import { RunAbort, isRunAbortCheck } from './run-abort.js';
import type { CheckDetails, CheckFunction, CheckSnapshot, CheckStatus, ProbeKind, RunResult } from './types.js';

/** Resolved per-check settings. */
export interface ResolvedCheckOptions {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly failingIntervalMs: number;
  readonly critical: boolean;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly dependency: boolean;
  readonly componentType: string | undefined;
}

/** A verdict change of one check, after thresholds. */
export interface CheckTransition {
  readonly name: string;
  readonly probes: readonly ProbeKind[];
  readonly from: CheckStatus;
  readonly to: CheckStatus;
  readonly reason?: string;
  readonly at: number;
  /** How long the check had been in `from`. */
  readonly forMs: number;
}

export interface RunnerHooks {
  readonly changed: () => void;
  readonly transition: (event: CheckTransition) => void;
  readonly ranOnce: (runner: CheckRunner) => void;
}

type Verdict = 'pending' | 'pass' | 'fail';

/**
 * Runs one check in the background: one run in flight at most, each bounded by its timeout and
 * cancelled through its AbortSignal, with hysteresis between the raw results and the verdict.
 */
export class CheckRunner {
  readonly name: string;
  readonly probes: readonly ProbeKind[];
  readonly options: ResolvedCheckOptions;
  readonly #fn: CheckFunction;
  /** `#fn` takes the run's RunAbort rather than an AbortSignal (see takesRunAbort). */
  readonly #takesRunAbort: boolean;
  readonly #clock: Clock;
  readonly #hooks: RunnerHooks;

  #verdict: Verdict = 'pending';
  #verdictSince: number;
  #reason: string | undefined;
  #lastRun: RunResult | undefined;
  #lastSuccessAt: number | undefined;
  #consecutiveFailures = 0;
  #consecutiveSuccesses = 0;
  #runs = 0;
  #everPassed = false;

  #timer: TimerHandle | undefined;
  #active = false;
  /** Set while a run's promise has not settled, even after its timeout was reported. */
  #inFlight: { readonly startedAt: number; readonly abort: RunAbort } | undefined;
  #runTimeout: TimerHandle | undefined;
  #cached: CheckSnapshot | undefined;

  constructor(name: string, probes: readonly ProbeKind[], fn: CheckFunction, options: ResolvedCheckOptions, clock: Clock, hooks: RunnerHooks) {
    this.name = name;
    this.probes = Object.freeze([...probes]);
    this.#fn = fn;
    this.#takesRunAbort = isRunAbortCheck(fn);
    this.options = options;
    this.#clock = clock;
    this.#hooks = hooks;
    this.#verdictSince = clock.now();
  }

  get everPassed(): boolean {
    return this.#everPassed;
  }

  get running(): boolean {
    return this.#active;
  }

  /** Starts the schedule: the first run happens on the next timer turn. */
  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#schedule(0);
  }

  /** Stops the schedule; `abort` also cancels a run in flight. */
  stop(abort: boolean): void {
    this.#active = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (abort) {
      if (this.#runTimeout !== undefined) this.#clock.clearTimeout(this.#runTimeout);
      this.#runTimeout = undefined;
      this.#inFlight?.abort.abort(new HealthClosedError('health was closed while the check ran'));
    }
  }

  snapshot(): CheckSnapshot {
    if (this.#cached) return this.#cached;
    const status: CheckStatus =
      this.#verdict === 'fail' ? (this.options.critical ? 'fail' : 'warn') : this.#verdict;
    const reason =
      this.#verdict === 'pass' ? undefined : this.#verdict === 'pending' && this.#runs === 0 ? 'not yet checked' : this.#reason;
    // Built field by field rather than with conditional spreads: the same keys in the same order,
    // without a temporary object per optional field (a snapshot is taken after every run).
    const snap = {
      name: this.name,
      kind: 'check',
      probes: this.probes,
      status,
      critical: this.options.critical,
      dependency: this.options.dependency,
    } as Mutable<CheckSnapshot>;
    if (reason !== undefined) snap.reason = reason;
    snap.reasonPublic = reason === 'not yet checked';
    if (this.options.componentType !== undefined) snap.componentType = this.options.componentType;
    if (this.#lastRun !== undefined) snap.lastRun = this.#lastRun;
    if (this.#lastSuccessAt !== undefined) snap.lastSuccessAt = this.#lastSuccessAt;
    snap.consecutiveFailures = this.#consecutiveFailures;
    snap.consecutiveSuccesses = this.#consecutiveSuccesses;
    snap.runs = this.#runs;
    this.#cached = Object.freeze(snap);
    return this.#cached;
  }

  #schedule(delayMs: number): void {
    if (!this.#active) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, delayMs);
  }

  #run(): void {
    if (!this.#active) return;
    const startedAt = this.#clock.now();
    if (this.#inFlight) {
      // NOTE: never pile up runs of a check that ignores its signal; report it instead.
      this.#record({ ok: false, reason: `previous run still pending for ${formatMs(startedAt - this.#inFlight.startedAt)}` }, startedAt);
      return;
    }
    const abort = new RunAbort();
    const inFlight = { startedAt, abort };
    this.#inFlight = inFlight;
    let finished = false;
    const finish = (outcome: Interpreted): void => {
      if (finished) return;
      finished = true;
      this.#clock.clearTimeout(timeout);
      if (this.#runTimeout === timeout) this.#runTimeout = undefined;
      this.#record(outcome, startedAt);
    };
    const timeout = this.#clock.setTimeout(() => {
      const error = new CheckTimeoutError(this.options.timeoutMs);
      abort.abort(error);
      finish({ ok: false, reason: error.message, timedOut: true });
    }, this.options.timeoutMs);
    this.#runTimeout = timeout;

    let promise: Promise<unknown>;
    try {
      // An ordinary check gets the run's AbortSignal (created here); see RunAbort for the other kind.
      promise = Promise.resolve(this.#fn(this.#takesRunAbort ? (abort as unknown as AbortSignal) : abort.signal));
    } catch (error) {
      promise = Promise.reject(error);
    }
    const settled = (outcome: Interpreted): void => {
      if (this.#inFlight === inFlight) this.#inFlight = undefined;
      // NOTE: a synchronous check (or a loop blocked elsewhere) can overrun its timeout before the
      // timeout's timer gets a turn; a run that took longer than `timeoutMs` fails however it ended.
      const tookMs = this.#clock.now() - startedAt;
      if (tookMs > this.options.timeoutMs) {
        finish({ ok: false, reason: `took ${formatMs(tookMs)}, over its timeout of ${formatMs(this.options.timeoutMs)}`, timedOut: true });
      } else {
        finish(outcome);
      }
    };
    promise.then(
      (value) => settled(interpretResolved(value)),
      (error: unknown) => settled({ ok: false, reason: reasonOf(error) }),
    );
  }

  #record(outcome: Interpreted, startedAt: number): void {
    const at = this.#clock.now();
    const details: CheckDetails | undefined = outcome.ok ? outcome.details : undefined;
    const durationMs = at - startedAt;
    // The same keys as `{ ok, at, durationMs, ...reason, ...details }`, without the spreads.
    const result: RunResult = Object.freeze(
      !outcome.ok
        ? outcome.timedOut
          ? { ok: false, at, durationMs, reason: outcome.reason, timedOut: true }
          : { ok: false, at, durationMs, reason: outcome.reason }
        : details === undefined
          ? { ok: true, at, durationMs }
          : { ok: true, at, durationMs, details },
    );
    this.#runs += 1;
    this.#lastRun = result;
    const before = this.#verdict;
    if (outcome.ok) {
      this.#consecutiveSuccesses += 1;
      this.#consecutiveFailures = 0;
      this.#lastSuccessAt = at;
      this.#everPassed = true;
      if (before === 'pending' || (before === 'fail' && this.#consecutiveSuccesses >= this.options.successThreshold)) {
        this.#verdict = 'pass';
      }
    } else {
      this.#consecutiveFailures += 1;
      this.#consecutiveSuccesses = 0;
      if (before !== 'pass' || this.#consecutiveFailures >= this.options.failureThreshold) this.#reason = outcome.reason;
      if (before !== 'fail' && this.#consecutiveFailures >= this.options.failureThreshold) this.#verdict = 'fail';
    }
    this.#cached = undefined;
    if (before !== this.#verdict) {
      const snap = this.snapshot();
      const event: CheckTransition = {
        name: this.name,
        probes: this.probes,
        from: statusOf(before, this.options.critical),
        to: snap.status,
        ...(snap.reason === undefined ? {} : { reason: snap.reason }),
        at,
        forMs: at - this.#verdictSince,
      };
      this.#verdictSince = at;
      this.#hooks.transition(event);
    }
    this.#hooks.changed();
    this.#hooks.ranOnce(this);
    const healthy = this.#verdict === 'pass' && outcome.ok;
    const interval = healthy ? this.options.intervalMs : this.options.failingIntervalMs;
    this.#schedule(Math.max(0, interval - (at - startedAt)));
  }
}

/** A snapshot under construction: its fields are set one by one, then it is frozen. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function statusOf(verdict: Verdict, critical: boolean): CheckStatus {
  return verdict === 'fail' ? (critical ? 'fail' : 'warn') : verdict;
}
