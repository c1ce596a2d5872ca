/** Rules on the container in its pod: readiness for Services, the startup budget, names, lifecycle hooks and shutdown. */
import { DEFAULT_TERMINATION_GRACE_SECONDS, effectiveTiming, PROBE_FIELD, PROBE_KINDS } from 'probekit/internal';
import type { EffectiveTiming } from 'probekit/internal';
import { isObject, RUN_TO_COMPLETION_KINDS } from '../../manifests/workloads.js';
import type { InitContainer, LongRunningContainer, PodTemplate } from '../../manifests/workloads.js';
import { RULES } from '../rule-catalog.js';
import { atLeast } from './context.js';
import type { ContainerContext, RawFinding, RuleSettings } from './context.js';
import { LIFECYCLE_HANDLERS, lintHandlerCount, lintPorts } from './probe.js';

/** Signals probekit's shutdownOn handles when its `signals` option is not set. */
export const DEFAULT_HANDLED_SIGNALS: readonly string[] = ['SIGTERM', 'SIGINT'];

/**
 * The shortest time the startup gate allows before the kubelet kills the container. The first
 * probe can land right at `initialDelaySeconds` (the container may start just before a tick), so
 * `failureThreshold` failures take only `(failureThreshold - 1) x periodSeconds` more.
 */
export function worstCaseBudgetSeconds(t: EffectiveTiming): number {
  return t.initialDelaySeconds + (t.failureThreshold - 1) * t.periodSeconds;
}

export function lintInitContainerProbes(init: readonly InitContainer[], out: RawFinding[]): void {
  for (const c of init) {
    for (const kind of PROBE_KINDS) {
      if (c.value[PROBE_FIELD[kind]] === undefined) continue;
      out.push({
        rule: RULES.initContainerProbe,
        path: [...c.path, PROBE_FIELD[kind]],
        container: c.name,
        message: `init container \`${c.name}\` has a ${PROBE_FIELD[kind]} but no \`restartPolicy: Always\`; the API server rejects probes on init containers that run to completion`,
      });
    }
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `name` is a DNS-1123 subdomain (`NameIsDNSSubdomain`: pods, workloads). */
export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

/** Whether `name` is a DNS-1123 label (`ValidateDNS1123Label`: container names). */
export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && DNS1123_LABEL.test(name);
}

/**
 * Object names are DNS-1123 subdomains (`ValidatePodName` = `NameIsDNSSubdomain`, and the same
 * for workloads), container names DNS-1123 labels (`validateContainerCommon`), both in
 * pkg/apis/core/validation/validation.go.
 */
export function lintNames(pod: PodTemplate, containers: readonly { name: string; path: readonly (string | number)[]; value: Record<string, unknown> }[], out: RawFinding[]): void {
  const { object } = pod;
  if (!object.fragment && object.name !== '' && !isDns1123Subdomain(object.name)) {
    out.push({
      rule: RULES.nameInvalid,
      path: [...object.path, 'metadata', 'name'],
      message: `metadata.name \`${object.name}\` is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)`,
    });
  }
  for (const c of containers) {
    if (typeof c.value['name'] !== 'string' || isDns1123Label(c.name)) continue;
    out.push({
      rule: RULES.nameInvalid,
      path: [...c.path, 'name'],
      container: c.name,
      message: `container name \`${c.name}\` is not a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)`,
    });
  }
}

export function lintReadinessMissing(pod: PodTemplate, ctx: ContainerContext, s: RuleSettings): void {
  const { c } = ctx;
  const serving = Array.isArray(c.value['ports']) && c.value['ports'].length > 0;
  // Pods that run to completion (Jobs, or any pod with restartPolicy Never/OnFailure) serve no traffic.
  const runsToCompletion = RUN_TO_COMPLETION_KINDS.has(pod.object.kind) || pod.spec['restartPolicy'] === 'Never' || pod.spec['restartPolicy'] === 'OnFailure';
  if (ctx.probes.has('readiness') || !serving || c.sidecar || runsToCompletion) return;
  if (s.selectedByService === false) {
    ctx.push(RULES.readinessMissing, [...c.path, 'name'], `container \`${c.name}\` declares ports but has no readinessProbe; no Service in the input selects this pod`, {
      severity: 'note',
      fix: 'Nothing routes to this pod through a Service here; add a readinessProbe if one does elsewhere.',
    });
    return;
  }
  const selected = s.selectedByService === true ? ' and a Service selects this pod' : '';
  ctx.push(RULES.readinessMissing, [...c.path, 'name'], `container \`${c.name}\` declares ports${selected} but has no readinessProbe`);
}

export function lintStartupBudget(ctx: ContainerContext, s: RuleSettings): void {
  const boot = s.bootSeconds(ctx.c.name);
  const gate = ctx.probes.has('startup') ? 'startup' : ctx.probes.has('liveness') ? 'liveness' : undefined;
  if (boot === undefined || !gate) return;
  const budget = worstCaseBudgetSeconds(effectiveTiming(ctx.probes.get(gate) as Record<string, unknown>));
  if (budget >= boot) return;
  ctx.push(
    RULES.startupBudgetShort,
    ctx.probePath(gate),
    `${PROBE_FIELD[gate]} allows ${budget}s to boot (initialDelaySeconds + (failureThreshold - 1) x periodSeconds) but the container declares ${boot}s`,
  );
}

/** The pod's grace period and whether it was written or defaulted. */
function gracePeriod(pod: PodTemplate): { seconds: number; declared: boolean } {
  const declared = pod.spec['terminationGracePeriodSeconds'];
  return typeof declared === 'number' ? { seconds: declared, declared: true } : { seconds: DEFAULT_TERMINATION_GRACE_SECONDS, declared: false };
}

/** Lifecycle hooks as `validateLifecycle` checks them, the preStop sleep's gate, and the stop signal. */
export function lintLifecycle(pod: PodTemplate, ctx: ContainerContext, s: RuleSettings): void {
  const lifecycle = ctx.c.value['lifecycle'];
  if (!isObject(lifecycle)) return;
  for (const hook of ['postStart', 'preStop'] as const) {
    const handler = lifecycle[hook];
    if (!isObject(handler)) continue;
    const path = [...ctx.c.path, 'lifecycle', hook];
    lintHandlerCount(ctx, handler, path, LIFECYCLE_HANDLERS);
    lintPorts(ctx, handler, path);
    const sleep = handler['sleep'];
    if (isObject(sleep) && typeof sleep['seconds'] === 'number') lintSleep(pod, ctx, s, sleep['seconds'], [...path, 'sleep', 'seconds']);
  }
  lintStopSignal(ctx, lifecycle, s);
}

/**
 * `validateSleepAction` (validation.go): seconds must not exceed the grace period, and 0 is
 * accepted only with PodLifecycleSleepActionAllowZero, alpha (off) in 1.32 and beta (on by
 * default) from 1.33 (pkg/features/kube_features.go).
 */
function lintSleep(pod: PodTemplate, ctx: ContainerContext, s: RuleSettings, seconds: number, path: readonly (string | number)[]): void {
  const grace = gracePeriod(pod);
  const where = path.slice(ctx.c.path.length).join('.');
  if (seconds < 0 || seconds > grace.seconds) {
    ctx.push(RULES.preStopSleepInvalid, path, `${where} is ${seconds}; the API server accepts 0 to terminationGracePeriodSeconds (${grace.seconds}${grace.declared ? '' : ', the default'})`);
    return;
  }
  if (seconds !== 0) return;
  if (s.kubeVersion === undefined) {
    ctx.push(RULES.preStopSleepInvalid, path, `${where} is 0: API servers before 1.33 reject it (PodLifecycleSleepActionAllowZero is off by default there), and it does nothing where accepted`, {
      severity: 'warning',
    });
  } else if (!atLeast(s.kubeVersion, 1, 33)) {
    ctx.push(RULES.preStopSleepInvalid, path, `${where} is 0: Kubernetes ${s.kubeVersion.join('.')} rejects it unless the PodLifecycleSleepActionAllowZero gate is turned on (on by default from 1.33)`);
  }
}

/**
 * `lifecycle.stopSignal` (KEP-4960, `Lifecycle.StopSignal` in staging/src/k8s.io/api/core/v1/types.go,
 * gate ContainerStopSignals, alpha in 1.33) replaces the image's stop signal. If the app does not
 * handle that signal, it dies at once (or ignores it until SIGKILL) instead of draining.
 */
function lintStopSignal(ctx: ContainerContext, lifecycle: Record<string, unknown>, s: RuleSettings): void {
  const signal = lifecycle['stopSignal'];
  if (typeof signal !== 'string') return;
  const handled = s.stopSignals ?? DEFAULT_HANDLED_SIGNALS;
  if (handled.includes(signal)) return;
  const path = [...ctx.c.path, 'lifecycle', 'stopSignal'];
  if (s.stopSignals) {
    ctx.push(RULES.stopSignalUnhandled, path, `lifecycle.stopSignal is ${signal} but the app declares it handles ${handled.join(', ')} (probekit.dev/stop-signals)`);
  } else {
    ctx.push(RULES.stopSignalUnhandled, path, `lifecycle.stopSignal is ${signal}; probekit's shutdownOn handles SIGTERM and SIGINT unless its \`signals\` option says otherwise`, {
      severity: 'warning',
      fix: `Handle ${signal} (shutdownOn({ signals: ['${signal}'] })) and declare it with the annotation probekit.dev/stop-signals: "${signal}", or remove stopSignal.`,
    });
  }
}

/** preStop sleep seconds, from `lifecycle.preStop.sleep` or an exec `sleep N`. */
function preStopSleepSeconds(c: LongRunningContainer): number | undefined {
  const lifecycle = c.value['lifecycle'];
  if (!isObject(lifecycle) || !isObject(lifecycle['preStop'])) return undefined;
  const handler = lifecycle['preStop'];
  const sleep = handler['sleep'];
  if (isObject(sleep) && typeof sleep['seconds'] === 'number') return sleep['seconds'];
  const exec = handler['exec'];
  if (isObject(exec) && Array.isArray(exec['command'])) {
    const script = exec['command'].filter((a): a is string => typeof a === 'string').join(' ');
    const m = /(?:^|[\s;&|/])sleep\s+(\d+(?:\.\d+)?)/.exec(script);
    if (m?.[1] !== undefined) return Number(m[1]);
  }
  return undefined;
}

export function lintShutdown(pod: PodTemplate, containers: readonly LongRunningContainer[], s: RuleSettings, out: RawFinding[]): void {
  const grace = gracePeriod(pod);
  const suffix = grace.declared ? '' : ' (the default)';
  const drain = s.drainSeconds;
  let anyPreStop = false;
  for (const c of containers) {
    const sleep = preStopSleepSeconds(c);
    if (sleep === undefined) continue;
    anyPreStop = true;
    // NOTE: the grace period covers preStop and the SIGTERM drain together (pkg/kubelet/kuberuntime/
    // kuberuntime_container.go killContainer: the preStop hook's time is subtracted from the grace).
    const total = sleep + (c.sidecar ? 0 : (drain ?? 0));
    if (total <= grace.seconds) continue;
    const parts = c.sidecar || drain === undefined ? `preStop sleep ${sleep}s` : `preStop sleep ${sleep}s + drain ${drain}s`;
    out.push({
      rule: RULES.shutdownExceedsGrace,
      path: grace.declared ? [...pod.path, 'terminationGracePeriodSeconds'] : [...c.path, 'lifecycle', 'preStop'],
      container: c.name,
      message: `${parts} = ${total}s exceeds terminationGracePeriodSeconds ${grace.seconds}s${suffix}`,
    });
  }
  if (
    !anyPreStop &&
    // Stryker disable next-line ConditionalExpression: for an undefined drain, `drain > grace.seconds` is `undefined > n`, already false; the check is there for the type checker
    drain !== undefined &&
    drain > grace.seconds
  ) {
    out.push({
      rule: RULES.shutdownExceedsGrace,
      path: grace.declared ? [...pod.path, 'terminationGracePeriodSeconds'] : pod.path,
      message: `drain ${drain}s exceeds terminationGracePeriodSeconds ${grace.seconds}s${suffix}`,
    });
  }
}
