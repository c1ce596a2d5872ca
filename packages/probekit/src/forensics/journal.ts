import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { realClock, type Clock, type TimerHandle } from '../engine/clock.js';

/** What liveness answered last, as written to the state directory. */
export interface LivenessRecord {
  readonly ok: boolean;
  /** When the current answer (ok or failing) began (clock ms). */
  readonly since: number;
  /** When it was last seen (clock ms). */
  readonly at: number;
  /** The failing lines, e.g. `consumer: no heartbeat within 30 s`. */
  readonly reason?: string;
  /** Failing observations in a row. */
  readonly failures: number;
}

/** Writes `value` as JSON via a temporary file and a rename, so a reader never sees half a file. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.${threadId}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value)}\n`, { mode: 0o600 });
  // NOTE: rename is atomic on one filesystem (POSIX); a SIGKILL leaves the old or the new file, never a mix.
  await rename(tmp, file);
}

/** Reads a JSON file; undefined when it does not exist, an Error when it is unreadable. */
export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return error as Error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
}

export function isLivenessRecord(value: unknown): value is LivenessRecord {
  const r = value as Record<string, unknown> | null;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof r['ok'] === 'boolean' &&
    typeof r['since'] === 'number' &&
    typeof r['at'] === 'number' &&
    typeof r['failures'] === 'number' &&
    (r['reason'] === undefined || typeof r['reason'] === 'string')
  );
}

/**
 * Records liveness answers in one file of the state directory. A flip (ok ↔ failing) or a new
 * reason is written at once; while failing, the time and count are refreshed at most every
 * `minWriteIntervalMs`. Writes never overlap; the last record always reaches the disk.
 * Usable from any thread: the probe worker can keep its own journal of the answers it served.
 */
export class LivenessJournal {
  readonly file: string;
  readonly #clock: Clock;
  readonly #minWriteIntervalMs: number;
  readonly #onError: (error: Error) => void;
  #current: LivenessRecord | undefined;
  #written: LivenessRecord | undefined;
  #lastWriteAt = -Infinity;
  #writing: Promise<void> | undefined;
  #trailing: TimerHandle | undefined;
  #closed = false;

  constructor(dir: string, name: string, options: { clock?: Clock; minWriteIntervalMs: number; onError: (error: Error) => void }) {
    this.file = join(dir, name);
    this.#clock = options.clock ?? realClock;
    this.#minWriteIntervalMs = options.minWriteIntervalMs;
    this.#onError = options.onError;
  }

  get current(): LivenessRecord | undefined {
    return this.#current;
  }

  /** Records one observation of liveness. Cheap when nothing changed. */
  record(ok: boolean, reason: string | undefined, now = this.#clock.now()): void {
    if (this.#closed) return;
    const at = Math.round(now);
    const prev = this.#current;
    const flipped = prev === undefined || prev.ok !== ok;
    this.#current = {
      ok,
      since: flipped ? at : prev.since,
      at,
      ...(ok || reason === undefined ? {} : { reason }),
      failures: ok ? 0 : flipped ? 1 : prev.failures + 1,
    };
    const urgent = flipped || (!ok && prev.reason !== reason);
    if (urgent) this.#flush();
    else if (!ok) this.#scheduleTrailing();
  }

  /**
   * Resolves when the writes begun so far are on disk. A refresh of a failing record held back by the
   * rate limit is not forced: it is written when `minWriteIntervalMs` has passed.
   */
  async flushed(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  close(): void {
    this.#closed = true;
    if (this.#trailing !== undefined) this.#clock.clearTimeout(this.#trailing);
    this.#trailing = undefined;
  }

  #scheduleTrailing(): void {
    if (this.#trailing !== undefined) return;
    const wait = Math.max(0, this.#lastWriteAt + this.#minWriteIntervalMs - this.#clock.now());
    this.#trailing = this.#clock.setTimeout(() => {
      this.#trailing = undefined;
      this.#flush();
    }, wait);
  }

  #flush(): void {
    if (this.#trailing !== undefined) {
      this.#clock.clearTimeout(this.#trailing);
      this.#trailing = undefined;
    }
    if (this.#writing) return; // the running write picks the latest record up when it ends
    const record = this.#current;
    if (!record || record === this.#written) return;
    this.#lastWriteAt = this.#clock.now();
    let failed = false;
    this.#writing = writeJsonAtomic(this.file, record)
      .then(
        () => {
          this.#written = record;
        },
        (error: Error) => {
          failed = true;
          this.#onError(error);
        },
      )
      .finally(() => {
        this.#writing = undefined;
        const current = this.#current;
        if (this.#closed || !current || current === this.#written) return;
        const written = this.#written;
        // NOTE: after a failed write, retry on the rate limit only, never in a tight loop.
        if (!failed && (!written || written.ok !== current.ok || written.reason !== current.reason)) this.#flush();
        else this.#scheduleTrailing();
      });
  }
}

/** Creates the state directory if needed (an emptyDir volume exists already; a local run may not). */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
