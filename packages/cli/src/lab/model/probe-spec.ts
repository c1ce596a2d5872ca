import type { ProbeKind } from 'probekit/internal';

/** A container's probe block, as in the pod spec (seconds, as Kubernetes counts them). */
export interface ProbeSpec {
  /** @default 0 */
  readonly initialDelaySeconds?: number;
  /** @default 10 (minimum 1) */
  readonly periodSeconds?: number;
  /** @default 1 (minimum 1) */
  readonly timeoutSeconds?: number;
  /** @default 1 (must be 1 for liveness and startup) */
  readonly successThreshold?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
  /** Probe-level grace period for a kill after this probe fails; not allowed on readiness. @default the pod's */
  readonly terminationGracePeriodSeconds?: number;
}

export type ResolvedProbeSpec = Required<Omit<ProbeSpec, 'terminationGracePeriodSeconds'>> & {
  readonly terminationGracePeriodSeconds?: number;
};

/**
 * NOTE: the API server's defaults (pkg/apis/core/v1/defaults.go@v1.34 SetDefaults_Probe) and minimums
 * (pkg/apis/core/validation/validation.go@v1.34 validateProbe).
 */
export const probeDefaults = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
} as const satisfies Required<Omit<ProbeSpec, 'terminationGracePeriodSeconds'>>;

const KEYS = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'];

/** Applies defaults and the API server's validation; errors name the field and the value. */
export function resolveProbeSpec(kind: ProbeKind, input: Record<string, unknown>, where = `${kind}Probe`): ResolvedProbeSpec {
  for (const key of Object.keys(input)) {
    if (!KEYS.includes(key)) throw new TypeError(`Unknown field \`${where}.${key}\`; expected one of ${KEYS.map((k) => `\`${k}\``).join(', ')}`);
  }
  const get = (key: keyof typeof probeDefaults, min: number): number => {
    // NOTE: a 0 period, timeout or threshold is defaulted by the API server, not rejected
    // (pkg/apis/core/v1/defaults.go@v1.34 SetDefaults_Probe); only a negative one is an error.
    const value = input[key] === 0 && key !== 'initialDelaySeconds' ? probeDefaults[key] : (input[key] ?? probeDefaults[key]);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new TypeError(`Expected \`${where}.${key}\` to be an integer of at least ${min}, got \`${JSON.stringify(value)}\``);
    }
    return value;
  };
  const spec = {
    initialDelaySeconds: get('initialDelaySeconds', 0),
    periodSeconds: get('periodSeconds', 1),
    timeoutSeconds: get('timeoutSeconds', 1),
    successThreshold: get('successThreshold', 1),
    failureThreshold: get('failureThreshold', 1),
  };
  if (kind !== 'readiness' && spec.successThreshold !== 1) {
    throw new TypeError(`Expected \`${where}.successThreshold\` to be 1 (Kubernetes requires it for ${kind} probes), got \`${spec.successThreshold}\``);
  }
  const grace = input['terminationGracePeriodSeconds'];
  if (grace === undefined) return spec;
  if (kind === 'readiness') {
    throw new TypeError(`\`${where}.terminationGracePeriodSeconds\` is not allowed on a readiness probe (Kubernetes rejects it), got \`${JSON.stringify(grace)}\``);
  }
  if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 1) {
    throw new TypeError(`Expected \`${where}.terminationGracePeriodSeconds\` to be a positive integer, got \`${JSON.stringify(grace)}\``);
  }
  return { ...spec, terminationGracePeriodSeconds: grace };
}
