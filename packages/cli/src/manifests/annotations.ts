/** Annotations a workload (or its pod template) can carry to tell the linter about the service. */
export const ANNOTATIONS = {
  /** Seconds the service needs to boot; `…/boot-seconds.<container>` for one container. */
  bootSeconds: 'probekit.dev/boot-seconds',
  /** Seconds the service drains after SIGTERM (on top of any preStop sleep). */
  drainSeconds: 'probekit.dev/drain-seconds',
  /** Comma-separated signals the app handles (`SIGTERM,SIGUSR2`); checked against `lifecycle.stopSignal`. */
  stopSignals: 'probekit.dev/stop-signals',
  /** Comma-separated rule ids to skip for this object. */
  ignore: 'probekit.dev/ignore',
} as const;
