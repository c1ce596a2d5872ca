/** The Kubernetes releases whose kubelet timing the lab can play. */
export const KUBERNETES_RELEASES = ['1.33', '1.34', '1.35'] as const;

export type KubernetesRelease = (typeof KUBERNETES_RELEASES)[number];

/** The release the lab plays unless a scenario says otherwise: the one whose code was read (probekit's KUBERNETES_RELEASE). */
export const DEFAULT_RELEASE: KubernetesRelease = '1.34';

/** The pod worker's retry period after a failed sync (pkg/kubelet/kubelet.go@v1.34 backOffPeriod). */
const SYNC_BACKOFF_MS = 10_000;
/** pod_workers.go workerBackOffPeriodJitterFactor. */
const SYNC_BACKOFF_JITTER = 0.5;
/** The default resync interval (the kubelet's syncFrequency, 1 min): the cap on a 1.35 requeue (PR #133066). */
const RESYNC_MS = 60_000;

/**
 * When the pod worker looks at a pod again after a sync that found its container in CrashLoopBackOff
 * (`untilMs`: when the back-off ends).
 * - ≤ 1.34: pkg/kubelet/pod_workers.go completeWork (the lines PR #133066 replaced, as its diff shows;
 *   issue #123602) requeues any failed sync after
 *   wait.Jitter(backOffPeriod = 10 s, 0.5), i.e. 10–15 s, whatever the back-off; the container starts at the
 *   first such sync after the back-off ended, so up to 15 s late.
 * - 1.35: PR #133066 (merged 2025-09-30, after v1.34.0) requeues at the back-off's own expiry, capped at the
 *   resync interval. The lab takes the diff as read in the PR's review thread: no jitter on that delay.
 */
export function requeueAfterBackoff(release: KubernetesRelease, now: number, untilMs: number, random: () => number): number {
  if (release === '1.35') return now + Math.min(Math.max(untilMs - now, 0), RESYNC_MS);
  return now + Math.round(SYNC_BACKOFF_MS * (1 + SYNC_BACKOFF_JITTER * random()));
}

/**
 * The generic PLEG relists every second (pkg/kubelet/kubelet.go@v1.34 genericPlegRelistPeriod): a
 * container that starts or exits by itself is seen by the kubelet at the next relist after it.
 */
export const PLEG_RELIST_MS = 1000;

/** The first relist strictly after `at` (relists fall on whole seconds of the run). */
export function nextRelist(at: number): number {
  return (Math.floor(at / PLEG_RELIST_MS) + 1) * PLEG_RELIST_MS;
}
