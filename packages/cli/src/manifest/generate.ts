/**
 * Generates the probe block for a probekit service: a pod template fragment with the three
 * probes on their own endpoints, a startup budget from the boot time, and a grace period that
 * fits the drain. Its output lints clean (lint.test and generate.test prove it).
 */
import { nonNegativeInteger, oneOf, positiveInteger, string } from 'probekit/internal';
import { ANNOTATIONS } from '../manifests/annotations.js';

export type PreStopMode = 'none' | 'sleep' | 'exec';

export interface ManifestOptions {
  /** Container name. @default 'app' */
  readonly container?: string;
  /** The app's serving port (named `http`). @default 8080 */
  readonly port?: number;
  /** The probe server's port (named `probes`); equal to `port` when probes are mounted in the app's server. @default 8081 */
  readonly probePort?: number;
  /** Worst-case boot time; the startup budget is 1.25x this, rounded up to whole periods. @default 60 */
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
  paths: { liveness: '/livez', readiness: '/readyz', startup: '/startupz' },
} as const satisfies Required<ManifestOptions>;

/** The probe timings the generator uses; each one is explained in docs/manifest.md. */
export const GENERATED_TIMING = {
  startup: { periodSeconds: 5, timeoutSeconds: 2 },
  liveness: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
  readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
} as const;

/** Seconds kept after the drain before SIGKILL: the kubelet itself grants at least 2 s after preStop. */
const MARGIN_SECONDS = 2;

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
  const container = string('container', options.container ?? manifestDefaults.container);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(container) || container.length > 63) {
    throw new TypeError(`Expected \`container\` to be a DNS-1123 label (lowercase letters, digits, '-'), got \`${container}\``);
  }
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
  const c: Record<string, unknown> = {
    name: container,
    ports,
    startupProbe: {
      ...http(paths.startup),
      periodSeconds: s.periodSeconds,
      timeoutSeconds: s.timeoutSeconds,
      // NOTE: 1.25x the boot time: the budget latches once, so slack costs little; too little kills booting pods.
      failureThreshold: Math.ceil((boot * 1.25) / s.periodSeconds),
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
  const labels = { 'app.kubernetes.io/name': name };
  const [first, ...rest] = fragment.spec.containers;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: fragment.metadata.annotations },
        spec: { ...fragment.spec, containers: [{ ...first, image }, ...rest] },
      },
    },
  };
}
