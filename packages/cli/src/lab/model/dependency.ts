import type { Clock } from 'probekit/internal';
import type { RunAbort } from 'probekit/internal';
import type { CheckDetails } from 'probekit/internal';

/** What a call to a dependency does at one moment. */
export type Behaviour =
  | { readonly kind: 'ok'; readonly latencyMs: number }
  | { readonly kind: 'error'; readonly latencyMs: number }
  | { readonly kind: 'hang' };

export type DependencyFaultKind = 'down' | 'hang' | 'slow' | 'flapping' | 'jitter';

/** One entry of a dependency's fault timeline. Times in ms from the start of the run. */
export interface DependencyFault {
  readonly atMs: number;
  /** @default until the end of the run */
  readonly forMs: number;
  readonly kind: DependencyFaultKind;
  /** `slow`: every call takes this long. */
  readonly latencyMs?: number;
  /** `jitter`: latency drawn uniformly from [minMs, maxMs]. */
  readonly minMs?: number;
  readonly maxMs?: number;
  /** `flapping`: down for `periodMs`, up for `periodMs`, and so on. @default 5000 */
  readonly periodMs?: number;
}

/** A shared dependency (database, cache) and its fault timeline. */
export interface DependencySpec {
  /** Latency of a call while healthy. @default 2 */
  readonly latencyMs: number;
  /** How fast a refused connection fails while down. @default 1 */
  readonly errorMs: number;
}

export const dependencyDefaults = { latencyMs: 2, errorMs: 1 } satisfies DependencySpec;

/**
 * A simulated shared dependency: each call resolves or rejects after a virtual delay taken from
 * the fault timeline, on the caller's clock (so a stalled process sees the answer late), and
 * honours the engine's cancellation of the run.
 */
export class SimDependency {
  readonly name: string;
  readonly spec: DependencySpec;
  readonly faults: readonly DependencyFault[];
  readonly #random: () => number;
  /** The error every refused call rejects with (created at the first). */
  #refused: Error | undefined;

  constructor(name: string, spec: DependencySpec, faults: readonly DependencyFault[], random: () => number) {
    this.name = name;
    this.spec = spec;
    this.faults = [...faults].sort((a, b) => a.atMs - b.atMs);
    this.#random = random;
  }

  /** The fault active at `t` (the latest one to start wins), if any. */
  faultAt(t: number): DependencyFault | undefined {
    let active: DependencyFault | undefined;
    for (const fault of this.faults) {
      if (fault.atMs <= t && t < fault.atMs + fault.forMs) active = fault;
    }
    return active;
  }

  behaviourAt(t: number): Behaviour {
    const fault = this.faultAt(t);
    if (!fault) return { kind: 'ok', latencyMs: this.spec.latencyMs };
    switch (fault.kind) {
      case 'down':
        return { kind: 'error', latencyMs: this.spec.errorMs };
      case 'hang':
        return { kind: 'hang' };
      case 'slow':
        return { kind: 'ok', latencyMs: fault.latencyMs ?? 5000 };
      case 'flapping': {
        const period = fault.periodMs ?? 5000;
        const down = Math.floor((t - fault.atMs) / period) % 2 === 0;
        return down ? { kind: 'error', latencyMs: this.spec.errorMs } : { kind: 'ok', latencyMs: this.spec.latencyMs };
      }
      case 'jitter': {
        const min = fault.minMs ?? 0;
        const max = fault.maxMs ?? 1000;
        return { kind: 'ok', latencyMs: Math.round(min + this.#random() * (max - min)) };
      }
    }
  }

  /**
   * One call, as a check function would make it, cancelled when the engine aborts the run (its
   * timeout, or the process closing it): it rejects with the abort's reason at that moment, as a
   * client honouring an AbortSignal does. Takes the run's `RunAbort` rather than an AbortSignal:
   * the same moment and reason, without creating a signal per call.
   */
  call(clock: Clock, run: RunAbort): Promise<CheckDetails> {
    const behaviour = this.behaviourAt(clock.now());
    return new Promise((resolve, reject) => {
      if (run.aborted) {
        reject(run.reason);
        return;
      }
      let timer: unknown;
      run.onAbort(() => {
        if (timer !== undefined) clock.clearTimeout(timer);
        reject(run.reason);
      });
      if (behaviour.kind === 'hang') return;
      timer = clock.setTimeout(() => {
        run.onAbort(undefined);
        if (behaviour.kind === 'ok') resolve({ observedValue: behaviour.latencyMs, observedUnit: 'ms', measurement: 'responseTime' });
        else reject((this.#refused ??= refused(this.name)));
      }, behaviour.latencyMs);
    });
  }
}

/**
 * The error of a refused call, one per dependency (the engine only reads it). Without a stack trace: at
 * thousands of replicas creating and capturing one per failed call was the biggest cost of a simulated
 * outage, and nobody reads a simulated dependency's stack.
 */
function refused(name: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new Error(`connect ECONNREFUSED ${name}`);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
