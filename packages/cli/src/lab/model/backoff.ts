/** CrashLoopBackOff settings; the kubelet's own values are the defaults. */
export interface BackoffOptions {
  /** @default 10000 (pkg/kubelet/kubelet.go containerBackOffPeriod) */
  readonly initialMs?: number;
  /** @default 300000 (MaxContainerBackOff) */
  readonly maxMs?: number;
  /**
   * When an entry counts as stale, so that the next `next()` starts over.
   * @default client-go's: more than 2 × maxMs since the last update
   */
  readonly hasExpired?: (eventTime: number, lastUpdate: number, maxMs: number) => boolean;
}

export const backoffDefaults = { initialMs: 10_000, maxMs: 300_000 } as const;

/**
 * NOTE: the kubelet replaces client-go's "2 × max" expiry with a fixed 600 s
 * (pkg/kubelet/kubelet.go@v1.34 NewMainKubelet: `klet.backOff.HasExpiredFunc`), so a scenario's own cap
 * does not change when the back-off starts over.
 */
export const kubeletHasExpired = (eventTime: number, lastUpdate: number): boolean => eventTime - lastUpdate > 600_000;

/**
 * One key of client-go's util/flowcontrol `Backoff` (staging/src/k8s.io/client-go/util/flowcontrol/backoff.go@v1.34),
 * on an injected clock: `next` starts or doubles the back-off (capped) and stamps `lastUpdate` with the
 * clock's now; `isInBackOffSince(t)` asks whether less than the back-off has passed since `t`.
 * The kubelet keeps one per container (kuberuntime_manager.go GetStableKey); the lab has one container per pod.
 */
export class FlowcontrolBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly #now: () => number;
  readonly #hasExpired: (eventTime: number, lastUpdate: number, maxMs: number) => boolean;
  #entry: { backoffMs: number; lastUpdate: number } | undefined;

  constructor(now: () => number, options: BackoffOptions = {}) {
    this.#now = now;
    this.initialMs = options.initialMs ?? backoffDefaults.initialMs;
    this.maxMs = options.maxMs ?? backoffDefaults.maxMs;
    this.#hasExpired = options.hasExpired ?? ((eventTime, lastUpdate, maxMs) => eventTime - lastUpdate > maxMs * 2);
  }

  /** The current back-off; 0 when there is none (`Get`). */
  get(): number {
    return this.#entry?.backoffMs ?? 0;
  }

  /** `Next(id, eventTime)`. */
  next(eventTime: number): void {
    const entry = this.#entry;
    if (entry === undefined || this.#hasExpired(eventTime, entry.lastUpdate, this.maxMs)) {
      this.#entry = { backoffMs: this.initialMs, lastUpdate: this.#now() };
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    entry.lastUpdate = this.#now();
  }

  /** `IsInBackOffSince(id, eventTime)`: less than the back-off has passed since `eventTime`. */
  isInBackOffSince(eventTime: number): boolean {
    const entry = this.#entry;
    if (entry === undefined || this.#hasExpired(eventTime, entry.lastUpdate, this.maxMs)) return false;
    return this.#now() - eventTime < entry.backoffMs;
  }

  /** `IsInBackOffSinceUpdate(id, eventTime)`: less than the back-off has passed since the last update. */
  isInBackOffSinceUpdate(eventTime: number): boolean {
    const entry = this.#entry;
    if (entry === undefined || this.#hasExpired(eventTime, entry.lastUpdate, this.maxMs)) return false;
    return eventTime - entry.lastUpdate < entry.backoffMs;
  }

  /** `Reset(id)`. */
  reset(): void {
    this.#entry = undefined;
  }
}

/** What `doBackOff` decided for a container about to be started. */
export type BackoffDecision = { readonly inBackOff: false } | { readonly inBackOff: true; readonly untilMs: number };

/**
 * pkg/kubelet/kuberuntime/kuberuntime_manager.go@v1.34 doBackOff: looks in the pod status the sync
 * started with for the newest *exited* container of that name (`newestExitedAt`, its FinishedAt); none:
 * start without touching the back-off; still within the back-off since then: don't start; otherwise
 * `Next` and start.
 * NOTE: after a probe kill SyncPod kills and starts in one sync, with the status read before the kill,
 * so `newestExitedAt` is the container *before* the one just killed (or none).
 */
export function doBackOff(backoff: FlowcontrolBackoff, newestExitedAt: number | undefined): BackoffDecision {
  if (newestExitedAt === undefined) return { inBackOff: false };
  if (backoff.isInBackOffSince(newestExitedAt)) return { inBackOff: true, untilMs: newestExitedAt + backoff.get() };
  backoff.next(newestExitedAt);
  return { inBackOff: false };
}
