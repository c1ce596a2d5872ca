/**
 * The probe rules: pure functions from a pod template to findings. Schema checks (types, unknown
 * fields) are in manifests/schema.ts; these are the rules the OpenAPI schema cannot express.
 */
import { containersOf } from '../../manifests/workloads.js';
import type { LongRunningContainer, PodTemplate } from '../../manifests/workloads.js';
import { containerContext } from './context.js';
import type { RawFinding, RuleSettings } from './context.js';
import { lintLiveness } from './liveness.js';
import { lintInitContainerProbes, lintLifecycle, lintNames, lintReadinessMissing, lintShutdown, lintStartupBudget } from './pod.js';
import { lintProbeFields } from './probe.js';

export type { KubeVersion, RawFinding, RuleSettings } from './context.js';
export { DEFAULT_HANDLED_SIGNALS, isDns1123Label, isDns1123Subdomain, worstCaseBudgetSeconds } from './pod.js';

export function lintPodTemplate(pod: PodTemplate, settings: RuleSettings): RawFinding[] {
  const out: RawFinding[] = [];
  const { longRunning, init } = containersOf(pod);
  lintNames(pod, [...init, ...longRunning], out);
  lintInitContainerProbes(init, out);
  for (const c of longRunning) lintContainer(pod, c, settings, out);
  lintShutdown(pod, longRunning, settings, out);
  return out;
}

/** Every rule about one long-running container: each probe's fields, then how the probes fit together. */
function lintContainer(pod: PodTemplate, c: LongRunningContainer, s: RuleSettings, out: RawFinding[]): void {
  const ctx = containerContext(c, out);
  for (const [kind, probe] of ctx.probes) lintProbeFields(ctx, kind, probe);
  lintLiveness(ctx, s);
  lintReadinessMissing(pod, ctx, s);
  lintStartupBudget(ctx, s);
  lintLifecycle(pod, ctx, s);
}
