/**
 * What the Kubernetes API server and kubelet do with a probe, as numbers the linter, the manifest
 * generator and the docs share. Each fact names the file in kubernetes/kubernetes it comes from.
 */

import type { ProbeKind } from '../engine/types.js';

/**
 * The Kubernetes release line every Kubernetes fact in probekit is checked against (code, tests,
 * docs cite `file@KUBERNETES_RELEASE` and the function). The files were read in kubernetes/kubernetes
 * at these commits, whose code places them in the v1.33–v1.34 line (LegacySidecarContainers gate present,
 * doBackOff before PR #133066):
 * - pkg/kubelet/kuberuntime/kuberuntime_manager.go @ 000f26050b9be6fb3d79fae95e06b47fc96128cd
 *   (computePodActions, SyncPod, doBackOff)
 * - pkg/kubelet/prober/worker.go @ 61ecc560357a1af440735b32ddcf4ee143c0d0ea (run, doProbe; probeTicker.Reset)
 * - staging/src/k8s.io/client-go/util/flowcontrol/backoff.go @ 5667ebd4f65e5292036912295542e06cba394898
 *   and backoff_test.go @ 04791b4906602ffda5ccf9bc4c84d3329f1d7080
 * To re-verify at another release: read those files (and pkg/kubelet/kubelet.go NewMainKubelet,
 * pkg/kubelet/prober/prober_manager.go UpdatePodStatus, pkg/proxy/topology.go CategorizeEndpoints) at
 * the new tag, re-run the lab's kubelet tests (packages/cli/src/lab/model/*.test.ts), and update this constant.
 */
export const KUBERNETES_RELEASE = 'v1.34';

/** NOTE: the kubelet's probe User-Agent is `kube-probe/<major>.<minor>` (pkg/probe/http/request.go, `NewRequestForHTTPGetAction`), here the pinned release's. */
export const KUBELET_USER_AGENT = `kube-probe/${KUBERNETES_RELEASE.slice(1)}`;

export { PROBE_KINDS, type ProbeKind } from '../engine/types.js';

/** The manifest field that holds each probe kind. */
export const PROBE_FIELD = {
  startup: 'startupProbe',
  liveness: 'livenessProbe',
  readiness: 'readinessProbe',
} as const satisfies Record<ProbeKind, string>;

/**
 * Probe defaults the API server fills in.
 * NOTE: a 0 (or absent) period/timeout/threshold is replaced by these defaults, not kept:
 * pkg/apis/core/v1/defaults.go `SetDefaults_Probe`.
 */
export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

export type ProbeTimingField = keyof typeof PROBE_DEFAULTS;

export const PROBE_TIMING_FIELDS = Object.keys(PROBE_DEFAULTS) as ProbeTimingField[];

/**
 * Documented minimum of each field (the API reference says "Minimum value is 1" for all but the
 * initial delay). A negative value is rejected by pkg/apis/core/validation/validation.go
 * `validateProbe` (`ValidateNonnegativeField`); a 0 is defaulted (see PROBE_DEFAULTS).
 */
export const PROBE_MINIMUMS = {
  initialDelaySeconds: 0,
  periodSeconds: 1,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 1,
} as const satisfies Record<ProbeTimingField, number>;

/** Pod-level `terminationGracePeriodSeconds` default: defined in staging/src/k8s.io/api/core/v1/types.go (DefaultTerminationGracePeriodSeconds), applied by pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec). */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** The kubelet reads at most this much of an HTTP probe's body: pkg/probe/http/http.go (maxRespBodyLength). */
export const MAX_PROBE_BODY_BYTES = 10 * 1024;

/** The 10th same-host redirect fails an HTTP probe (so 9 are followed): pkg/probe/http/http.go (`RedirectChecker`). */
export const MAX_PROBE_REDIRECTS = 10;

/** The probe with its defaults applied, as the kubelet runs it. */
export interface EffectiveTiming {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** Applies the API server's defaulting (absent, 0 or non-numeric -> default). */
export function effectiveTiming(probe: Readonly<Record<string, unknown>>): EffectiveTiming {
  const pick = (field: ProbeTimingField): number => {
    const value = probe[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) return PROBE_DEFAULTS[field];
    if (value === 0 && field !== 'initialDelaySeconds') return PROBE_DEFAULTS[field];
    return value;
  };
  return {
    initialDelaySeconds: pick('initialDelaySeconds'),
    periodSeconds: pick('periodSeconds'),
    timeoutSeconds: pick('timeoutSeconds'),
    successThreshold: pick('successThreshold'),
    failureThreshold: pick('failureThreshold'),
  };
}

/**
 * Longest the kubelet waits for a container to pass this probe before it acts: the initial delay
 * plus `failureThreshold` periods (pkg/kubelet/prober/worker.go counts consecutive failures per tick).
 */
export function probeBudgetSeconds(t: EffectiveTiming): number {
  return t.initialDelaySeconds + t.failureThreshold * t.periodSeconds;
}

/**
 * How long an outage a liveness probe sits out before it kills the container: the first failed
 * tick, `failureThreshold - 1` more periods, and that last probe's timeout.
 */
export function livenessToleranceSeconds(t: EffectiveTiming): number {
  return (t.failureThreshold - 1) * t.periodSeconds + t.timeoutSeconds;
}
