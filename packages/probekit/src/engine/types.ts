/** The three questions a probe asks. */
export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

/** What a check may resolve with besides nothing: measurements for the details view and the JSON format. */
export interface CheckDetails {
  /** A measured value, e.g. a round-trip time or a pool's waiting clients. */
  readonly observedValue?: number | string | boolean;
  /** The unit of `observedValue`, e.g. `ms`, `bytes`, `percent`. */
  readonly observedUnit?: string;
  /** The measurement's name in the JSON format's `component:measurement` key, e.g. `responseTime`. */
  readonly measurement?: string;
  /** The kind of component, e.g. `datastore`, `system`, `component`. */
  readonly componentType?: string;
  /** A human-readable note, shown only with the details token. */
  readonly output?: string;
}

/** A check's body: resolve (or return) to pass, reject (or throw) to fail. */
export type CheckFunction = (signal: AbortSignal) => unknown;

/** A check with metadata, as returned by the built-in check factories. */
export interface CheckDefinition {
  readonly check: CheckFunction;
  /** A check that calls something outside the process. Refused on liveness unless allowed by name. */
  readonly dependency?: boolean;
  readonly componentType?: string;
  /** Defaults the factory recommends; the caller's options win. */
  readonly defaults?: CheckOptions;
}

/** Per-check options. Every default is listed; `health.defaults` may change them for all checks. */
export interface CheckOptions {
  /** How long one run may take before its signal aborts and it fails. @default 1000 */
  readonly timeoutMs?: number;
  /** Time between the start of two runs while the check passes. @default 5000 */
  readonly intervalMs?: number;
  /** Time between runs while the check fails or has not passed yet. @default 1000 (never above `intervalMs`) */
  readonly failingIntervalMs?: number;
  /** `false` reports a failure as a warning (`[!]`) and the probe still passes. @default true */
  readonly critical?: boolean;
  /** Consecutive failed runs before a passing check is reported failing. @default 1 */
  readonly failureThreshold?: number;
  /** Consecutive passed runs before a failing check is reported passing. @default 1 */
  readonly successThreshold?: number;
  /** Marks a check that calls a dependency (database, cache, peer service). @default false */
  readonly dependency?: boolean;
  /** The component type shown in the JSON format. @default undefined */
  readonly componentType?: string;
}

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'pending';

export type CheckKind = 'check' | 'heartbeat' | 'builtin';

/** The outcome of one run of a check. */
export interface RunResult {
  readonly ok: boolean;
  /** When the run ended (clock ms). */
  readonly at: number;
  readonly durationMs: number;
  readonly reason?: string;
  /** The run exceeded `timeoutMs`: aborted at the timeout, or it overran it and failed for that. Absent otherwise. */
  readonly timedOut?: true;
  readonly details?: CheckDetails;
}

/** One check as seen in a snapshot. Plain, frozen data. */
export interface CheckSnapshot {
  readonly name: string;
  readonly kind: CheckKind;
  readonly probes: readonly ProbeKind[];
  /** The reported status after thresholds and `critical`: `pending` until the first verdict. */
  readonly status: CheckStatus;
  readonly critical: boolean;
  readonly dependency: boolean;
  /** Why the check is failing or warning, or `not yet checked`. */
  readonly reason?: string;
  /** True when `reason` was written by probekit itself and reveals nothing about a dependency. */
  readonly reasonPublic: boolean;
  readonly componentType?: string;
  readonly lastRun?: RunResult;
  readonly lastSuccessAt?: number;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly runs: number;
}

/** Everything a probe answer is computed from. Immutable; a new one is made on every change. */
export interface HealthSnapshot {
  /** Increases by one with every change. */
  readonly version: number;
  /** When this snapshot was made (clock ms). */
  readonly time: number;
  /** Startup has completed (latched). */
  readonly started: boolean;
  readonly startedAt?: number;
  /** Startup completes only through `markStarted()`. */
  readonly manualStartup: boolean;
  readonly shuttingDown: boolean;
  /** Why `setReady(false, reason)` took the pod out of rotation, or undefined while it has not (or `setReady(true)` undid it). */
  readonly notReady: string | undefined;
  /** Why `fatal(reason)` declared the process broken (latched), or undefined. */
  readonly fatal: string | undefined;
  /** Event-loop bounds; 0 disables the bound. */
  readonly maxBlockMs: number;
  readonly maxLagMs: number;
  /** Checks in registration order (built-ins are not listed; see `evaluate`). */
  readonly checks: readonly CheckSnapshot[];
}
