/**
 * Generates the probe block for a probekit service: a pod template fragment with the three
 * probes on their own endpoints, a startup budget from the boot time, and a grace period that
 * fits the drain. Its output lints clean (lint.test and generate.test prove it).
 */
import { nonNegativeInteger, oneOf, positiveInteger, PROBE_PATHS, string } from 'probekit/internal';
import { ANNOTATIONS } from '../manifests/annotations.js';

export type PreStopMode = 'none' | 'sleep' | 'exec';

export interface ManifestOptions {
  /** Container name. @default 'app' */
  readonly container?: string;
  /** The app's serving port (named `http`). @default 8080 */
  readonly port?: number;
  /** The probe server's port (named `probes`); equal to `port` when probes are mounted in the app's server. @default 8081 */
  readonly probePort?: number;
  /** Worst-case boot time; the worst-case startup budget is at least 1.25x this, and never fewer than 3 failures. @default 60 */
  readonly bootSeconds?: number;
  /** Seconds between SIGTERM (readiness off) and closing the listeners, for endpoint removal to propagate. @default 5 */
  readonly drainDelaySeconds?: number;
  /** The pod's terminationGracePeriodSeconds: drain delay + in-flight drain + hooks must fit, with 2 s to spare. @default 30 */
  readonly graceSeconds?: number;
  /**
   * Where the drain delay happens: `'none'` in the app (probekit's shutdown does it), `'sleep'` a
   * preStop sleep action (Kubernetes 1.30+), `'exec'` a preStop `sleep` command (the image needs one).
   * @default 'none'
   */
  readonly preStop?: PreStopMode;
  /** Probe paths. @default { liveness: '/livez', readiness: '/readyz', startup: '/startupz' } */
  readonly paths?: { readonly liveness?: string; readonly readiness?: string; readonly startup?: string };
}

export const manifestDefaults = {
  container: 'app',
  port: 8080,
  probePort: 8081,
  bootSeconds: 60,
  drainDelaySeconds: 5,
  graceSeconds: 30,
  preStop: 'none',
  paths: { ...PROBE_PATHS },
} as const satisfies Required<ManifestOptions>;

/** The probe timings the generator uses; each one is explained in docs/manifest.md. */
export const GENERATED_TIMING = {
  startup: { periodSeconds: 5, timeoutSeconds: 2 },
  liveness: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
  readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
} as const;

/** Seconds kept after the drain before SIGKILL: the kubelet itself grants at least 2 s after preStop. */
const MARGIN_SECONDS = 2;

/** Fewest startup failures the generator allows: one refused connection right after start must not kill the container. */
export const MIN_STARTUP_FAILURES = 3;

/** The environment variables the generated container gets, read by probekit at run time. */
export const GENERATED_ENV = {
  /** The probe server's port (`createHealth().listen()` reads it). */
  port: 'PROBEKIT_PORT',
  /** Seconds between SIGTERM and SIGKILL (`shutdownOn()` reads it as its `gracePeriodMs`). */
  graceSeconds: 'PROBEKIT_TERMINATION_GRACE_SECONDS',
} as const;

/**
 * The startup probe's failureThreshold for a boot time. The worst-case budget is
 * `initialDelaySeconds + (failureThreshold - 1) x periodSeconds`: the first probe can land right
 * as the container starts, so only the failures after it add time. It must cover 1.25x the boot.
 */
export function startupFailureThreshold(bootSeconds: number, periodSeconds: number): number {
  return Math.max(MIN_STARTUP_FAILURES, Math.ceil((bootSeconds * 1.25) / periodSeconds) + 1);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function dnsLabel(name: string, value: unknown): string {
  const v = string(name, value);
  if (!DNS1123_LABEL.test(v) || v.length > 63) {
    throw new TypeError(`Expected \`${name}\` to be a DNS-1123 label (lowercase letters, digits, '-', at most 63 characters), got \`${v}\``);
  }
  return v;
}

export type PodTemplateFragment = {
  metadata: { annotations: Record<string, string> };
  spec: { terminationGracePeriodSeconds: number; containers: Record<string, unknown>[] };
};

function path(name: string, value: unknown): string {
  const p = string(name, value);
  if (!p.startsWith('/')) throw new TypeError(`Expected \`${name}\` to start with "/", got \`${p}\``);
  return p;
}

function port(name: string, value: unknown): number {
  const p = positiveInteger(name, value);
  if (p > 65535) throw new TypeError(`Expected \`${name}\` to be a port (1-65535), got \`${p}\``);
  return p;
}

export function generateProbeBlock(options: ManifestOptions = {}): PodTemplateFragment {
  const container = dnsLabel('container', options.container ?? manifestDefaults.container);
  const appPort = port('port', options.port ?? manifestDefaults.port);
  const probePort = port('probePort', options.probePort ?? manifestDefaults.probePort);
  const boot = positiveInteger('bootSeconds', options.bootSeconds ?? manifestDefaults.bootSeconds);
  const delay = nonNegativeInteger('drainDelaySeconds', options.drainDelaySeconds ?? manifestDefaults.drainDelaySeconds);
  const grace = positiveInteger('graceSeconds', options.graceSeconds ?? manifestDefaults.graceSeconds);
  const preStop = oneOf('preStop', options.preStop ?? manifestDefaults.preStop, ['none', 'sleep', 'exec'] as const);
  const paths = {
    liveness: path('paths.liveness', options.paths?.liveness ?? manifestDefaults.paths.liveness),
    readiness: path('paths.readiness', options.paths?.readiness ?? manifestDefaults.paths.readiness),
    startup: path('paths.startup', options.paths?.startup ?? manifestDefaults.paths.startup),
  };
  if (paths.liveness === paths.readiness) {
    throw new TypeError(`Expected \`paths.liveness\` and \`paths.readiness\` to differ, got \`${paths.liveness}\` for both`);
  }
  if (preStop !== 'none' && delay === 0) {
    // NOTE: a zero preStop sleep is rejected before Kubernetes 1.33 (PodLifecycleSleepActionAllowZero) and does nothing after.
    throw new TypeError(`Expected \`drainDelaySeconds\` to be at least 1 with a preStop hook (\`preStop\` is \`${preStop}\`), got \`0\``);
  }
  if (delay + MARGIN_SECONDS >= grace) {
    throw new TypeError(
      `Expected \`graceSeconds\` to exceed \`drainDelaySeconds\` + ${MARGIN_SECONDS} s (time to finish in-flight requests), got \`${grace}\` with a drain delay of ${delay}`,
    );
  }
  const probesOn = probePort === appPort ? 'http' : 'probes';
  const ports: Record<string, unknown>[] = [{ name: 'http', containerPort: appPort }];
  if (probePort !== appPort) ports.push({ name: 'probes', containerPort: probePort });
  const http = (p: string): Record<string, unknown> => ({ httpGet: { path: p, port: probesOn } });
  const s = GENERATED_TIMING.startup;
  // One setting drives both: the pod's grace period and the app's shutdown deadline. With a preStop
  // hook the kubelet counts the hook's time against the grace period before SIGTERM is sent.
  const env: Record<string, string>[] = [];
  if (probePort !== appPort) env.push({ name: GENERATED_ENV.port, value: String(probePort) });
  env.push({ name: GENERATED_ENV.graceSeconds, value: String(preStop === 'none' ? grace : grace - delay) });
  const c: Record<string, unknown> = {
    name: container,
    ports,
    env,
    startupProbe: {
      ...http(paths.startup),
      periodSeconds: s.periodSeconds,
      timeoutSeconds: s.timeoutSeconds,
      // NOTE: 1.25x the boot time in the worst case: the budget latches once, so slack costs little; too little kills booting pods.
      failureThreshold: startupFailureThreshold(boot, s.periodSeconds),
    },
    livenessProbe: { ...http(paths.liveness), ...GENERATED_TIMING.liveness },
    readinessProbe: { ...http(paths.readiness), ...GENERATED_TIMING.readiness },
  };
  if (preStop === 'sleep') c['lifecycle'] = { preStop: { sleep: { seconds: delay } } };
  if (preStop === 'exec') c['lifecycle'] = { preStop: { exec: { command: ['sleep', String(delay)] } } };
  const annotations: Record<string, string> = { [ANNOTATIONS.bootSeconds]: String(boot) };
  // With a preStop sleep the delay happens before SIGTERM; the app then only drains in-flight work.
  if (preStop === 'none') annotations[ANNOTATIONS.drainSeconds] = String(delay);
  return { metadata: { annotations }, spec: { terminationGracePeriodSeconds: grace, containers: [c] } };
}

/** A complete Deployment around a fragment, for trying it out or for `--deployment`. */
export function wrapInDeployment(fragment: PodTemplateFragment, name: string, image: string): Record<string, unknown> {
  dnsLabel('name', name);
  string('image', image);
  // Fresh objects each time: a shared one becomes a YAML anchor and alias when printed.
  const labels = (): Record<string, string> => ({ 'app.kubernetes.io/name': name });
  const [first, ...rest] = fragment.spec.containers;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: labels() },
    spec: {
      selector: { matchLabels: labels() },
      template: {
        metadata: { labels: labels(), annotations: { ...fragment.metadata.annotations } },
        spec: { ...fragment.spec, containers: [{ ...first, image }, ...rest] },
      },
    },
  };
}
