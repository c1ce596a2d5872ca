import { formatMs } from '../engine/errors.js';
import type { LivenessRecord } from './journal.js';

/** The most likely end of the previous container, as judged from the state directory. */
export type TerminationCause = 'liveness' | 'shutdown' | 'unknown';

/** What the previous container left in the state directory, and what it most likely means. */
export interface PreviousTermination {
  /** `none` on the first start with this state directory. */
  readonly cause: TerminationCause | 'none';
  /** For `liveness`: the failing lines liveness last answered with. */
  readonly reason?: string;
  /** For `liveness`: when liveness started failing and when it was last seen failing (clock ms). */
  readonly failingSince?: number;
  readonly lastFailingAt?: number;
  /** Failing observations in a row before the end (engine changes and watchdog ticks, not kubelet probes). */
  readonly failures?: number;
  /** When the previous process began shutting down, if it did (clock ms). */
  readonly shutdownAt?: number;
  /** The previous process' pid and start time. */
  readonly pid?: number;
  readonly startedAt?: number;
}

/** The state of the previous process, as read from disk. */
export interface PreviousState {
  readonly pid?: number;
  readonly startedAt?: number;
  readonly shutdownAt?: number;
  /** Liveness records from every journal (main thread, probe worker). */
  readonly liveness: readonly LivenessRecord[];
}

/**
 * Judges how the previous container ended. Its last liveness answer failing means the kubelet most
 * likely killed it for failing liveness (it sends SIGTERM, then SIGKILL after the grace period, so a
 * recorded shutdown does not contradict it). Otherwise a recorded shutdown means it was stopped or
 * exited after beginning shutdown; anything else (a crash, an OOM kill, an exit without shutdown) is unknown.
 */
export function judge(previous: PreviousState | undefined): PreviousTermination {
  if (!previous) return { cause: 'none' };
  const base = {
    ...(previous.pid === undefined ? {} : { pid: previous.pid }),
    ...(previous.startedAt === undefined ? {} : { startedAt: previous.startedAt }),
    ...(previous.shutdownAt === undefined ? {} : { shutdownAt: previous.shutdownAt }),
  };
  // The journal seen last tells the last answer.
  const last = [...previous.liveness].sort((a, b) => b.at - a.at)[0];
  if (last && !last.ok) {
    return {
      cause: 'liveness',
      ...(last.reason === undefined ? {} : { reason: last.reason }),
      failingSince: last.since,
      lastFailingAt: last.at,
      failures: last.failures,
      ...base,
    };
  }
  if (previous.shutdownAt !== undefined) return { cause: 'shutdown', ...base };
  return { cause: 'unknown', ...base };
}

/** The log line for the start after `previous`. */
export function describeTermination(t: PreviousTermination, restarts: number): string {
  switch (t.cause) {
    case 'none':
      return 'forensics: first start with this state directory';
    case 'liveness':
      return (
        `forensics: restart #${restarts}: the previous container was most likely killed by a failing liveness probe: ` +
        `${t.reason ?? 'no reason recorded'} (failing for at least ${formatMs(Math.max(0, (t.lastFailingAt ?? 0) - (t.failingSince ?? 0)))} before the end)`
      );
    case 'shutdown':
      return `forensics: restart #${restarts}: the previous container shut down after beginning a graceful shutdown (liveness was passing)`;
    case 'unknown':
      return `forensics: restart #${restarts}: the previous container ended without failing liveness or shutting down (crash, OOM kill or exit)`;
  }
}
