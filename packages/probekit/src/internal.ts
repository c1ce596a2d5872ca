/**
 * `probekit/internal`: what the tooling package (`@probekit/cli`: lint, manifest, lab, demo) needs
 * from the runtime. Not a public API: it follows the runtime's version exactly and may change in
 * any release. Users import `probekit` and its documented subpaths instead.
 */
export { HealthEngine } from './engine/engine.js';
export { evaluate, sameLines } from './engine/evaluate.js';
export type { ProbeLine, ProbeVerdict } from './engine/evaluate.js';
export { RunAbort, takesRunAbort } from './engine/run-abort.js';
export type { Clock, TimerHandle } from './engine/clock.js';
export { PROBE_KINDS } from './engine/types.js';
export type { CheckDetails, CheckOptions, HealthSnapshot, ProbeKind } from './engine/types.js';
export type { Heartbeat } from './engine/heartbeat.js';
export { formatMs } from './engine/errors.js';
export { nonNegativeInteger, oneOf, positiveInteger, string } from './engine/validate.js';
export {
  DEFAULT_TERMINATION_GRACE_SECONDS,
  effectiveTiming,
  KUBERNETES_RELEASE,
  livenessToleranceSeconds,
  MAX_PROBE_BODY_BYTES,
  MAX_PROBE_REDIRECTS,
  PROBE_DEFAULTS,
  PROBE_FIELD,
  PROBE_MINIMUMS,
  PROBE_TIMING_FIELDS,
  probeBudgetSeconds,
} from './kubelet/facts.js';
export type { EffectiveTiming, ProbeTimingField } from './kubelet/facts.js';
export { probeDefaults, probeOnce } from './kubelet/probe-client.js';
export { dispatch, usage } from './cli/dispatch.js';
export { parseFlagDuration } from './cli/check.js';
export type { CliIO, Command, CommandEntry, Program } from './cli/dispatch.js';
export { ENDPOINTS, ENDPOINT_NAMES, PATH_TARGETS, PROBE_PATHS } from './http/endpoints.js';
export type { Endpoint } from './http/endpoints.js';
export { PROBE_USER_AGENT } from './kubelet/probe-client.js';
export { KUBELET_USER_AGENT } from './kubelet/facts.js';
