/** Every lint rule's id, severity, one-line summary and fix: the single source for SARIF and docs. */

export type Severity = 'error' | 'warning' | 'note';

export const SEVERITIES: readonly Severity[] = ['note', 'warning', 'error'];

/** Orders severities so `--fail-on warning` also fails on errors. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export interface RuleInfo {
  readonly id: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly fix: string;
}

function rule(id: string, severity: Severity, summary: string, fix: string): RuleInfo {
  return { id, severity, summary, fix };
}

export const RULES = {
  yamlSyntax: rule(
    'yaml-syntax',
    'error',
    'The file is not valid YAML.',
    'Fix the YAML at the reported position; run the renderer (helm template, kustomize build) again if the file is generated.',
  ),
  schemaInvalid: rule(
    'schema-invalid',
    'error',
    'A field has the wrong type or a required field is missing, per the Kubernetes OpenAPI schema.',
    'Give the field the type the API expects (numbers unquoted, ports as numbers or names).',
  ),
  unknownField: rule(
    'unknown-field',
    'warning',
    'A field the bundled Kubernetes schema does not have: a typo the API server rejects (strict field validation) or drops silently, or a field newer than the schema.',
    'Fix the spelling or the indentation; a misplaced probe field is a probe setting that never applies.',
  ),
  belowMinimum: rule(
    'probe-value-below-minimum',
    'error',
    'A probe number below its minimum: the API server rejects the object.',
    'Use at least 1 for periodSeconds, timeoutSeconds, successThreshold, failureThreshold and terminationGracePeriodSeconds, at least 0 for initialDelaySeconds.',
  ),
  zeroDefaulted: rule(
    'probe-value-zero-defaulted',
    'warning',
    'A probe field set to 0 is replaced by its default, not kept: periodSeconds 0 becomes 10, timeoutSeconds 0 becomes 1, failureThreshold 0 becomes 3.',
    'Write the value you mean (at least 1), or leave the field out.',
  ),
  successThresholdNotOne: rule(
    'success-threshold-not-one',
    'error',
    'successThreshold must be 1 on liveness and startup probes: the API server rejects anything else.',
    'Remove successThreshold from the probe, or set it to 1.',
  ),
  readinessTerminationGrace: rule(
    'readiness-termination-grace',
    'error',
    'Probe-level terminationGracePeriodSeconds is not allowed on a readiness probe (readiness never kills the container): the API server rejects it.',
    'Remove terminationGracePeriodSeconds from the readiness probe; set it on the liveness or startup probe or on the pod.',
  ),
  initContainerProbe: rule(
    'init-container-probe',
    'error',
    'A probe on an init container that is not a sidecar: the API server rejects it, init containers run to completion.',
    'Remove the probe, or make the init container a sidecar with `restartPolicy: Always`.',
  ),
  portUnknown: rule(
    'probe-port-unknown',
    'error',
    'The probe names a port the container does not declare: the kubelet cannot resolve it and every probe fails.',
    'Declare the port under the container\'s `ports` with that name, or use the port number.',
  ),
  sharedEndpoint: rule(
    'probe-shared-endpoint',
    'warning',
    'Liveness and readiness probe the same endpoint and liveness acts as soon as readiness does: every failure that takes the pod out of rotation also restarts it (a note when liveness is more tolerant, the documented pattern).',
    'Serve separate endpoints (/livez for "am I wedged?", /readyz for "can I serve?") and point each probe at its own.',
  ),
  livenessOnReadinessEndpoint: rule(
    'liveness-on-readiness-endpoint',
    'error',
    'The liveness probe points at a readiness endpoint: everything that makes the pod unready (a dependency down, shutdown started) restarts it.',
    'Point livenessProbe at the liveness endpoint (/livez) that checks only the process itself.',
  ),
  livenessChecksDependency: rule(
    'liveness-checks-dependency',
    'error',
    'The liveness path names a dependency: when that dependency is slow, every pod fails liveness and restarts at once (the restart storm).',
    'Check dependencies on readiness only; liveness should check only the process (event loop, heartbeats).',
  ),
  livenessFailureThresholdOne: rule(
    'liveness-failure-threshold-one',
    'error',
    'Liveness failureThreshold 1: one slow response (a GC pause, a noisy neighbour) restarts the container.',
    'Use failureThreshold 3 or more (the default is 3).',
  ),
  livenessBlipIntolerant: rule(
    'liveness-blip-intolerant',
    'warning',
    'The liveness probe kills the container after a short outage: its period, threshold and timeout sit out less than the tolerated blip.',
    'Raise periodSeconds or failureThreshold so (failureThreshold - 1) x periodSeconds + timeoutSeconds is at least the tolerance.',
  ),
  timeoutNotBelowPeriod: rule(
    'timeout-not-below-period',
    'warning',
    'timeoutSeconds is above periodSeconds: the kubelet runs probes one at a time, so a slow probe delays the next tick and the effective period becomes the timeout.',
    'Keep timeoutSeconds at or below periodSeconds.',
  ),
  readinessMissing: rule(
    'readiness-missing',
    'warning',
    'A serving container (it declares ports, and a Service selects it when the input has Services) has no readiness probe: the pod receives traffic as soon as the container starts, and keeps receiving it when the container cannot serve.',
    'Add a readinessProbe on the readiness endpoint (/readyz).',
  ),
  startupMissingSlowBoot: rule(
    'startup-missing-slow-boot',
    'warning',
    'The liveness initialDelaySeconds suggests a slow boot but there is no startup probe: a fixed delay is either too short (the container is killed while booting) or keeps a wedged container alive too long.',
    'Add a startupProbe with failureThreshold x periodSeconds covering the worst boot, and drop the liveness initial delay.',
  ),
  startupBudgetShort: rule(
    'startup-budget-short',
    'error',
    'The worst-case startup budget (initialDelaySeconds + (failureThreshold - 1) x periodSeconds) is shorter than the declared boot time: the kubelet kills the container before it finishes booting.',
    'Raise the startup probe\'s failureThreshold so (failureThreshold - 1) x periodSeconds exceeds the boot time with margin (probekit-cli manifest --boot-seconds computes it).',
  ),
  shutdownExceedsGrace: rule(
    'shutdown-exceeds-grace',
    'error',
    'The preStop sleep plus the drain time exceed terminationGracePeriodSeconds: the kubelet sends SIGKILL while requests are still in flight.',
    'Raise the pod\'s terminationGracePeriodSeconds above preStop + drain (with a few seconds of margin), or shorten the drain.',
  ),
  execIgnoresTimeout: rule(
    'exec-probe-ignores-timeout',
    'warning',
    'An exec probe runs a network command without a timeout of its own (or with one at or above timeoutSeconds): when it hangs, the probe ends with a bare "command timed out", or never on clusters that do not enforce exec timeouts.',
    'Give the command a timeout below the probe\'s timeoutSeconds (curl --max-time, wget -T, grpc_health_probe -rpc-timeout, probekit check --timeout), or wrap it in `timeout`.',
  ),
  livenessAggregateEndpoint: rule(
    'liveness-aggregate-endpoint',
    'error',
    'The liveness probe points at an endpoint known to aggregate dependencies (Spring /actuator/health, Elasticsearch /_cluster/health, Quarkus /q/health, ?deep=true): when one dependency is down, every pod restarts.',
    'Point liveness at the framework\'s liveness-only endpoint and keep the aggregate for readiness.',
  ),
  handlerCount: rule(
    'handler-count',
    'error',
    'A probe or lifecycle hook with no handler, or with more than one: the API server rejects it.',
    'Keep exactly one of exec, httpGet, tcpSocket, grpc (probes) or exec, httpGet, sleep (hooks); after a Helm or kustomize merge, delete the handler you replaced.',
  ),
  portNameInvalid: rule(
    'port-name-invalid',
    'error',
    'A probe or hook port given as a string that is not a valid port name (a quoted number, a template placeholder): the API server rejects it.',
    'Write the port as a number (unquoted), or as the name of a declared container port (lowercase letters, digits and hyphens, with a letter).',
  ),
  nameInvalid: rule(
    'name-invalid',
    'error',
    'An object name that is not a DNS-1123 subdomain, or a container name that is not a DNS-1123 label: the API server rejects it.',
    'Use lowercase letters, digits and hyphens (and dots in object names), starting and ending with a letter or digit.',
  ),
  preStopSleepInvalid: rule(
    'prestop-sleep-invalid',
    'error',
    'A lifecycle sleep the API server rejects: longer than terminationGracePeriodSeconds, or 0 where the PodLifecycleSleepActionAllowZero gate is off (before 1.33).',
    'Sleep at least 1 second and less than the grace period, or remove the hook.',
  ),
  stopSignalUnhandled: rule(
    'stop-signal-unhandled',
    'error',
    'lifecycle.stopSignal is a signal the app does not handle: instead of draining, it dies at once (or ignores the signal until SIGKILL).',
    'Make the app handle the signal (shutdownOn({ signals })) and list it in the probekit.dev/stop-signals annotation, or remove stopSignal.',
  ),
  noWorkload: rule(
    'no-workload',
    'warning',
    'The input holds nothing the linter can check: no workload with a pod template, and no pod template, pod spec or container fragment.',
    'Point the linter at the rendered manifests (helm template, kustomize build), not at values files or templates.',
  ),
} as const satisfies Record<string, RuleInfo>;

/** Rules of `probekit-cli lint --live`, which asks a running probekit service. */
export const LIVE_RULES = {
  livenessDependency: rule(
    'live-liveness-dependency',
    'error',
    'The running service has a dependency check on its liveness endpoint: when the dependency is slow, every pod restarts at once (the restart storm).',
    'Register the check with health.readiness() instead; keep liveness to internal checks (event loop, heartbeats).',
  ),
  latencyAtTimeout: rule(
    'live-latency-at-timeout',
    'error',
    'The endpoint\'s p99 latency is at or above the probe\'s timeoutSeconds: about one probe in a hundred times out, and a few in a row restart or unready the pod.',
    'Make the endpoint a snapshot read (probekit does this), run the probe server on its worker thread, or raise timeoutSeconds.',
  ),
  bodyTooLarge: rule(
    'live-body-too-large',
    'warning',
    'The endpoint\'s body is larger than 10 KiB: the kubelet reads only the first 10 KiB, so the reason for a failure may be cut off.',
    'Keep probe bodies short; put details behind the details token or on /healthz.',
  ),
  redirect: rule(
    'live-redirect',
    'warning',
    'The endpoint redirects: the kubelet follows same-host redirects only (at most 10) and treats a redirect to another host as success, so the probe may not test what you think.',
    'Point the probe at the final URL.',
  ),
  startupBudgetShort: rule(
    'live-startup-budget-short',
    'error',
    'The manifest\'s worst-case startup budget (initialDelaySeconds + (failureThreshold - 1) x periodSeconds) is shorter than the startup this service measured: the kubelet kills it before it finishes booting.',
    'Raise the startup probe\'s failureThreshold (probekit-cli manifest --boot-seconds <measured x 1.5>).',
  ),
  detailsUnavailable: rule(
    'live-details-unavailable',
    'note',
    'Without the details token the service does not say which checks are dependencies, so the liveness dependency rule could not run.',
    'Pass --token (or set PROBEKIT_DETAILS_TOKEN) with the service\'s details token.',
  ),
  measurement: rule(
    'live-measurement',
    'note',
    'What was measured on an endpoint: status, latency percentiles and body size.',
    'Nothing to fix; compare the numbers with the probe\'s timeoutSeconds.',
  ),
} as const satisfies Record<string, RuleInfo>;

/** Every rule, manifest and live: the SARIF driver declares them all. */
export const ALL_RULES: readonly RuleInfo[] = [...Object.values(RULES), ...Object.values(LIVE_RULES)];
