import { PROBE_PATHS } from '../http/endpoints.js';
import type { HealthSnapshot } from '../engine/types.js';
import { LivenessJournal } from './journal.js';
import { livenessVerdict } from './reason.js';
import { SERVED_JOURNAL } from './files.js';

/** What a probe server passes per request. */
export interface ServedRequest {
  readonly method: string;
  readonly url: string;
}

/**
 * Records the `/livez` answers a probe server actually served, for the probe worker: it keeps
 * answering (and failing liveness) while the main loop is blocked, when the main thread cannot
 * write anything. Every other path is ignored.
 */
export class ServedLivenessRecorder {
  readonly #journal: LivenessJournal;

  constructor(stateDir: string, minWriteIntervalMs = 1000) {
    // Write errors are reported by the main thread's journal already; the worker has no logger.
    this.#journal = new LivenessJournal(stateDir, SERVED_JOURNAL, { minWriteIntervalMs, onError: () => {} });
  }

  /** Call after answering: `status` is what was sent; the reason is computed only for a failure. */
  observe(request: ServedRequest, status: number, snapshot: HealthSnapshot, loopBlockedMs: number): void {
    const q = request.url.indexOf('?');
    if ((q < 0 ? request.url : request.url.slice(0, q)) !== PROBE_PATHS.liveness || (request.method !== 'GET' && request.method !== 'HEAD')) return;
    // NOTE: the kubelet counts 200-399 as success (pkg/probe/http/http.go).
    const ok = status >= 200 && status < 400;
    this.#journal.record(ok, ok ? undefined : (livenessVerdict(snapshot, loopBlockedMs).reason ?? `answered ${status}`));
  }

  flushed(): Promise<void> {
    return this.#journal.flushed();
  }

  close(): void {
    this.#journal.close();
  }
}
