import { join } from 'node:path';
import type { HealthEngine } from '../engine/engine.js';
import * as v from '../engine/validate.js';
import type { MetricFamily } from '../metrics/model.js';
import type { LogLine } from '../observe/lines.js';
import { MAIN_JOURNAL, SERVED_JOURNAL, STATE_FILE } from './files.js';
import { livenessVerdict } from './reason.js';
import { ensureDir, isLivenessRecord, LivenessJournal, readJson, writeJsonAtomic, type LivenessRecord } from './journal.js';
import { describeTermination, judge, type PreviousTermination, type TerminationCause } from './verdict.js';

/** Options of `attachForensics()`. Every default is listed. */
export interface ForensicsOptions {
  /** A directory that survives container restarts but not the pod: an `emptyDir` volume. Required. */
  readonly stateDir: string;
  /** While liveness fails, its record is refreshed at most this often. @default 1000 */
  readonly minWriteIntervalMs?: number;
  /** Receives the report line at start and write errors. @default none */
  readonly log?: (line: LogLine) => void;
}

export const forensicsDefaults = { minWriteIntervalMs: 1000 } satisfies Required<Omit<ForensicsOptions, 'stateDir' | 'log'>>;

const CAUSES: readonly TerminationCause[] = ['liveness', 'shutdown', 'unknown'];

interface StateFile {
  readonly version: 1;
  readonly pid: number;
  readonly startedAt: number;
  /** Processes started with this directory, this one included. */
  readonly starts: number;
  readonly restarts: Readonly<Record<TerminationCause, number>>;
  readonly shutdownAt?: number;
}

/** Restart forensics of one process. */
export interface Forensics {
  /** The state directory it records into. */
  readonly stateDir: string;
  /** How the previous container most likely ended. */
  readonly previous: PreviousTermination;
  /** Restarts seen with this state directory, by cause (this start included). */
  readonly restarts: Readonly<Record<TerminationCause, number>>;
  /** `probekit_restarts_total` and `probekit_previous_termination`, for `metrics.collector.addSource()`. */
  families(): MetricFamily[];
  /** Resolves when the records written so far are on disk (a rate-limited refresh of a failing record is written when its interval has passed). */
  flushed(): Promise<void>;
  /** Stops recording. */
  close(): void;
}

/**
 * Reads what the previous container left in `stateDir`, judges how it ended, then records what
 * liveness answers from now on (flips at once, refreshes rate-limited) and when shutdown begins.
 */
export async function attachForensics(engine: HealthEngine, options: ForensicsOptions): Promise<Forensics> {
  v.plainObject('forensics options', options);
  v.knownKeys('forensics options', options, ['stateDir', 'minWriteIntervalMs', 'log']);
  const stateDir = v.string('stateDir', options.stateDir);
  if (stateDir === '') throw new TypeError('Expected `stateDir` to be a directory path, got `""`');
  const minWriteIntervalMs = v.positiveInteger('minWriteIntervalMs', options.minWriteIntervalMs ?? forensicsDefaults.minWriteIntervalMs);
  const log = options.log ?? (() => {});
  if (typeof log !== 'function') throw new TypeError(`Expected \`log\` to be a function, got \`${v.describe(log)}\``);
  const onError = (error: Error): void =>
    log({ level: 'warn', message: `forensics: could not write to ${stateDir}: ${error.message}`, fields: { event: 'probekit.forensics.error' } });

  await ensureDir(stateDir);
  const [stateRaw, mainRaw, servedRaw] = await Promise.all([STATE_FILE, MAIN_JOURNAL, SERVED_JOURNAL].map((f) => readJson(join(stateDir, f))));
  const prior = isState(stateRaw) ? stateRaw : undefined;
  if (stateRaw instanceof Error) onError(stateRaw);
  const liveness = [mainRaw, servedRaw].filter(isLivenessRecord) as LivenessRecord[];
  const previous = judge(
    prior === undefined && liveness.length === 0
      ? undefined
      : {
          ...(prior === undefined ? {} : { pid: prior.pid, startedAt: prior.startedAt }),
          ...(prior?.shutdownAt === undefined ? {} : { shutdownAt: prior.shutdownAt }),
          liveness,
        },
  );
  const restarts: Record<TerminationCause, number> = { liveness: prior?.restarts.liveness ?? 0, shutdown: prior?.restarts.shutdown ?? 0, unknown: prior?.restarts.unknown ?? 0 };
  if (previous.cause !== 'none') restarts[previous.cause] += 1;
  const total = CAUSES.reduce((n, c) => n + restarts[c], 0);

  let state: StateFile = { version: 1, pid: process.pid, startedAt: engine.clock.now(), starts: (prior?.starts ?? 0) + 1, restarts };
  const stateFile = join(stateDir, STATE_FILE);
  // A fresh process starts with clean journals: their old records were judged above.
  const journal = new LivenessJournal(stateDir, MAIN_JOURNAL, { clock: engine.clock, minWriteIntervalMs, onError });
  let pendingState: Promise<void> = writeJsonAtomic(stateFile, state).catch(onError);
  await pendingState;
  await writeJsonAtomic(join(stateDir, SERVED_JOURNAL), null).catch(onError);

  log({
    level: previous.cause === 'liveness' ? 'warn' : 'info',
    message: describeTermination(previous, total),
    fields: { event: 'probekit.forensics', ...previous, restarts: total },
  });

  const observe = (): void => {
    const verdict = livenessVerdict(engine.snapshot(), engine.loopBlockedMs());
    journal.record(verdict.ok, verdict.reason);
  };
  observe();
  const offs = [
    engine.on('change', observe),
    // NOTE: the watchdog ticks while the loop runs, so a failing liveness keeps its record fresh.
    engine.watchdog.onStamp(() => {
      if (journal.current && !journal.current.ok) observe();
    }),
    engine.on('shutdown', (event) => {
      state = { ...state, shutdownAt: event.at };
      pendingState = pendingState.then(() => writeJsonAtomic(stateFile, state).catch(onError));
    }),
  ];

  return {
    stateDir,
    previous,
    restarts,
    families: () => [
      {
        type: 'counter',
        name: 'probekit_restarts_total',
        help: 'Container restarts seen through the forensics state directory, by most likely cause.',
        samples: CAUSES.map((cause) => ({ labels: { cause }, value: restarts[cause] })),
      },
      ...(previous.cause === 'none'
        ? []
        : [
            {
              type: 'gauge' as const,
              name: 'probekit_previous_termination',
              help: 'The most likely cause of the previous container ending (1 for that cause).',
              samples: CAUSES.map((cause) => ({ labels: { cause }, value: cause === previous.cause ? 1 : 0 })),
            },
          ]),
    ],
    async flushed() {
      await pendingState;
      await journal.flushed();
    },
    close() {
      for (const off of offs) off();
      journal.close();
    },
  };
}

function isState(value: unknown): value is StateFile {
  const s = value as Record<string, unknown> | null;
  if (s === null || typeof s !== 'object' || s['version'] !== 1) return false;
  const r = s['restarts'] as Record<string, unknown> | null;
  return typeof s['pid'] === 'number' && typeof s['starts'] === 'number' && r !== null && typeof r === 'object' && CAUSES.every((c) => typeof r[c] === 'number');
}
