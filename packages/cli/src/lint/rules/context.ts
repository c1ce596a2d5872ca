/** What every rule module shares: the finding shape, the settings, and one container's probes. */
import { PROBE_FIELD, PROBE_KINDS } from 'probekit/internal';
import type { ProbeKind } from 'probekit/internal';
import type { FieldPath } from '../../manifests/manifest-reader.js';
import { isObject } from '../../manifests/workloads.js';
import type { LongRunningContainer, PlainObject } from '../../manifests/workloads.js';
import type { RuleInfo, Severity } from '../rule-catalog.js';

/** A finding before it has a file position. */
export interface RawFinding {
  readonly rule: RuleInfo;
  readonly path: FieldPath;
  readonly message: string;
  /** Which container it is about, for the report. */
  readonly container?: string;
  /** For rules whose severity follows the risk; else the rule's own. */
  readonly severity?: Severity;
  /** A fix that fits this finding better than the rule's general one. */
  readonly fix?: string;
}

/** A Kubernetes minor release, `[1, 33]`. */
export type KubeVersion = readonly [major: number, minor: number];

export function atLeast(version: KubeVersion, major: number, minor: number): boolean {
  return version[0] > major || (version[0] === major && version[1] >= minor);
}

/** The thresholds rules use; the linter resolves them from options, annotations and the other objects. */
export interface RuleSettings {
  /** Declared boot time (seconds) for a container, if known. */
  readonly bootSeconds: (container: string) => number | undefined;
  /** Declared drain time (seconds) after SIGTERM, if known. */
  readonly drainSeconds: number | undefined;
  readonly slowBootHintSeconds: number;
  readonly minLivenessToleranceSeconds: number;
  /** The cluster's Kubernetes version, when given (`--kube-version`). */
  readonly kubeVersion: KubeVersion | undefined;
  /** Whether a Service in the input selects this pod; undefined when the input has no Services. */
  readonly selectedByService: boolean | undefined;
  /** Signals the app handles (annotation `probekit.dev/stop-signals`); undefined when not declared. */
  readonly stopSignals: readonly string[] | undefined;
}

/** One container as the rules see it: its probes, and how to report on it. */
export interface ContainerContext {
  readonly c: LongRunningContainer;
  readonly probes: ReadonlyMap<ProbeKind, PlainObject>;
  readonly push: (rule: RuleInfo, path: FieldPath, message: string, extra?: { severity?: Severity; fix?: string }) => void;
  readonly probePath: (kind: ProbeKind, ...rest: (string | number)[]) => FieldPath;
}

export function containerContext(c: LongRunningContainer, out: RawFinding[]): ContainerContext {
  const probes = new Map<ProbeKind, PlainObject>();
  for (const kind of PROBE_KINDS) {
    const p = c.value[PROBE_FIELD[kind]];
    if (isObject(p)) probes.set(kind, p);
  }
  return {
    c,
    probes,
    push: (rule, path, message, extra = {}) => {
      out.push({ rule, path, message, container: c.name, ...extra });
    },
    probePath: (kind, ...rest) => [...c.path, PROBE_FIELD[kind], ...rest],
  };
}

/** Resolves a named port to its number through the container's `ports`. A quoted number is a (bad) name. */
export function resolvePort(c: LongRunningContainer, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port !== 'string') return undefined;
  // Stryker disable next-line ArrayDeclaration: the loop skips every entry that is not an object, so a filler string in the empty fallback changes nothing
  const ports = Array.isArray(c.value['ports']) ? c.value['ports'] : [];
  for (const p of ports) {
    if (isObject(p) && p['name'] === port && typeof p['containerPort'] === 'number') return p['containerPort'];
  }
  return undefined;
}
