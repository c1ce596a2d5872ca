/** CrashLoopBackOff settings; the kubelet's own values are the defaults. */
export interface BackoffOptions {
  /** @default 10000 */
  readonly initialMs?: number;
  /** @default 300000 */
  readonly maxMs?: number;
}

export const backoffDefaults = { initialMs: 10_000, maxMs: 300_000 } satisfies Required<BackoffOptions>;

/** An exit this long after the last restart resets the back-off, whatever the cap. */
const RESET_AFTER_MS = 600_000;

/**
 * The kubelet's per-container restart back-off, as client-go's flowcontrol.Backoff used by
 * kuberuntime_manager.go doBackOff(): the first restart is immediate and starts a 10 s back-off;
 * each later exit within the back-off waits it out and doubles it, capped at 300 s; an exit more
 * than 600 s after the last restart starts over.
 * NOTE: the reset is a fixed 600 s in pkg/kubelet/kubelet.go (the back-off's HasExpiredFunc), not
 * 2 × the cap as in client-go's default hasExpired; the two agree only with the default 300 s cap.
 */
export class CrashLoopBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  #backoffMs: number | undefined;
  #lastUpdate = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? backoffDefaults.initialMs;
    this.maxMs = options.maxMs ?? backoffDefaults.maxMs;
  }

  /**
   * The container exited at `finishedAt`; returns when it may start again. Call once per exit.
   * NOTE: mirrors doBackOff(): IsInBackOffSince(key, finishedAt) then Next(key, finishedAt).
   */
  restartAt(finishedAt: number): number {
    const expired = this.#backoffMs === undefined || finishedAt - this.#lastUpdate > RESET_AFTER_MS;
    if (expired) {
      // Not in back-off: restart now; Next() starts the back-off at its initial value.
      this.#backoffMs = this.initialMs;
      this.#lastUpdate = finishedAt;
      return finishedAt;
    }
    const at = finishedAt + this.#backoffMs!;
    // Next() runs when the back-off has passed and the container is started again.
    this.#backoffMs = Math.min(this.#backoffMs! * 2, this.maxMs);
    this.#lastUpdate = at;
    return at;
  }

  /** The current back-off, for display. */
  get currentMs(): number | undefined {
    return this.#backoffMs;
  }
}
