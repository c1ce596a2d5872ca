import { deserialize, serialize } from 'node:v8';
import type { HealthEngine } from '../engine/engine.js';
import type { CheckStatus, HealthSnapshot } from '../engine/types.js';

/** How many recent runs the status page keeps per check: a fixed ring, so memory never grows with uptime. */
export const STATUS_HISTORY_LENGTH = 40;

/** One completed run, as the status page's strip shows it. */
export interface RecentRun {
  /** When the run ended (clock ms). */
  readonly at: number;
  readonly ok: boolean;
  readonly durationMs: number;
}

/** The last time a check's reported status changed. */
export interface LastTransition {
  readonly at: number;
  readonly from: CheckStatus;
  readonly to: CheckStatus;
  readonly reason?: string;
}

export interface CheckHistory {
  /** Oldest first, at most `STATUS_HISTORY_LENGTH`. */
  readonly recent: readonly RecentRun[];
  readonly transition?: LastTransition;
}

/** Plain, structured-cloneable data: the main thread posts it to the probe worker with the metric families. */
export type StatusHistoryData = Readonly<Record<string, CheckHistory>>;

/** A fixed-size ring of runs: three typed arrays and a cursor. */
class RunRing {
  readonly #at = new Float64Array(STATUS_HISTORY_LENGTH);
  readonly #duration = new Float64Array(STATUS_HISTORY_LENGTH);
  readonly #ok = new Uint8Array(STATUS_HISTORY_LENGTH);
  #next = 0;
  #size = 0;
  runsSeen = 0;
  transition: LastTransition | undefined;

  push(at: number, ok: boolean, durationMs: number): void {
    this.#at[this.#next] = at;
    this.#duration[this.#next] = durationMs;
    this.#ok[this.#next] = ok ? 1 : 0;
    this.#next = (this.#next + 1) % STATUS_HISTORY_LENGTH;
    this.#size = Math.min(this.#size + 1, STATUS_HISTORY_LENGTH);
  }

  runs(): RecentRun[] {
    const out: RecentRun[] = [];
    const start = (this.#next - this.#size + STATUS_HISTORY_LENGTH) % STATUS_HISTORY_LENGTH;
    for (let i = 0; i < this.#size; i++) {
      const j = (start + i) % STATUS_HISTORY_LENGTH;
      out.push({ at: this.#at[j]!, ok: this.#ok[j] === 1, durationMs: this.#duration[j]! });
    }
    return out;
  }
}

/**
 * The recent runs and last transition of every check, kept on the main thread for the status page
 * (a snapshot holds only the last run). Runs are taken from the engine's change events; one check
 * has at most one run in flight, so no run of a check is coalesced away.
 */
export class StatusHistory {
  readonly #rings = new Map<string, RunRing>();
  readonly #offs: (() => void)[];

  constructor(engine: HealthEngine) {
    this.#observe(engine.snapshot());
    this.#offs = [
      engine.on('change', (snapshot) => this.#observe(snapshot)),
      engine.on('transition', (event) => {
        this.#ring(event.name).transition = { at: event.at, from: event.from, to: event.to, ...(event.reason === undefined ? {} : { reason: event.reason }) };
      }),
    ];
  }

  /** The history of every check seen so far, as plain data. */
  read(): StatusHistoryData {
    const out: Record<string, CheckHistory> = {};
    for (const [name, ring] of this.#rings) out[name] = { recent: ring.runs(), ...(ring.transition ? { transition: ring.transition } : {}) };
    return out;
  }

  /** Stops listening. Idempotent. */
  close(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  #ring(name: string): RunRing {
    let ring = this.#rings.get(name);
    if (!ring) {
      ring = new RunRing();
      this.#rings.set(name, ring);
    }
    return ring;
  }

  #observe(snapshot: HealthSnapshot): void {
    for (const check of snapshot.checks) {
      const ring = this.#ring(check.name);
      const run = check.lastRun;
      if (check.runs <= ring.runsSeen || !run) continue;
      ring.runsSeen = check.runs;
      ring.push(run.at, run.ok, run.durationMs);
    }
  }
}

/** The history as the main thread posts it to the probe worker: `v8.serialize`d, like snapshots and families. */
export function encodeHistory(history: StatusHistory): Uint8Array {
  return serialize(history.read());
}

/** The probe worker's copy of the history: kept encoded until the status page reads it. */
export class ReceivedHistory {
  #decoded: StatusHistoryData | undefined;
  #encoded: Uint8Array | undefined;

  constructor(initial: StatusHistoryData | undefined) {
    this.#decoded = initial;
  }

  receive(encoded: Uint8Array): void {
    this.#encoded = encoded;
  }

  read(): StatusHistoryData | undefined {
    if (this.#encoded !== undefined) {
      this.#decoded = deserialize(this.#encoded) as StatusHistoryData;
      this.#encoded = undefined;
    }
    return this.#decoded;
  }
}
