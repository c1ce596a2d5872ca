/** Lints Kubernetes manifests for probe mistakes: YAML text in, positioned findings out. */
import { nonNegativeInteger, positiveInteger } from 'probekit/internal';
import { ANNOTATIONS } from '../manifests/annotations.js';
import { readManifests } from '../manifests/manifest-reader.js';
import type { ManifestDocument } from '../manifests/manifest-reader.js';
import { SCHEMA_KUBERNETES_VERSION, schemaVersionFor, validateObject } from '../manifests/schema.js';
import { isObject, objectsOf, podTemplateOf } from '../manifests/workloads.js';
import type { ManifestObject, PodTemplate } from '../manifests/workloads.js';
import { RULES } from './rule-catalog.js';
import type { RuleInfo, Severity } from './rule-catalog.js';
import { lintPodTemplate } from './rules/index.js';
import type { KubeVersion, RuleSettings } from './rules/index.js';

export { ANNOTATIONS, SCHEMA_KUBERNETES_VERSION };

export interface LintOptions {
  /** Boot time to check startup budgets against when no annotation declares one. @default undefined (rule off) */
  readonly bootSeconds?: number;
  /** Drain time after SIGTERM when no annotation declares one. @default undefined (only preStop counts) */
  readonly drainSeconds?: number;
  /** A liveness initialDelaySeconds at or above this, without a startup probe, hints at a slow boot. @default 30 */
  readonly slowBootHintSeconds?: number;
  /** Shortest outage a liveness probe must sit out before it restarts the container. @default 10 */
  readonly minLivenessToleranceSeconds?: number;
  /** Validate workloads against the Kubernetes OpenAPI schemas (kubernetes-models). @default true */
  readonly schema?: boolean;
  /** The cluster's Kubernetes version, `'1.32'`: rules that depend on default feature gates use it. @default undefined (unknown) */
  readonly kubeVersion?: string;
}

export const lintDefaults = {
  slowBootHintSeconds: 30,
  minLivenessToleranceSeconds: 10,
  schema: true,
} as const satisfies Required<Omit<LintOptions, 'bootSeconds' | 'drainSeconds' | 'kubeVersion'>>;

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `Kind/name` of the object, when the finding is about one. */
  readonly object?: string;
  readonly container?: string;
}

/** One input: its text and the name findings use for it. */
export interface LintSource {
  readonly text: string;
  readonly file: string;
}

/** What a run looked at, besides the findings: nothing read is passed over in silence. */
export interface LintReport {
  readonly findings: Finding[];
  /** Workloads and fragments whose pods were linted. */
  readonly workloads: number;
  /** Documents (or List items) with no pod template, by kind (`(no kind)` for a kind-less document that is no fragment). */
  readonly skipped: Readonly<Record<string, number>>;
}

interface Resolved {
  readonly bootSeconds: number | undefined;
  readonly drainSeconds: number | undefined;
  readonly slowBootHintSeconds: number;
  readonly minLivenessToleranceSeconds: number;
  readonly schema: boolean;
  readonly kubeVersion: KubeVersion | undefined;
}

/** Parses `'1.33'`, `'v1.33.2'`: the major and minor release. */
export function parseKubeVersion(name: string, value: unknown): KubeVersion {
  const m = typeof value === 'string' ? /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(value.trim()) : null;
  if (!m) throw new TypeError(`Expected \`${name}\` to be a Kubernetes version like 1.33, got \`${String(value)}\``);
  return [Number(m[1]), Number(m[2])];
}

function resolve(options: LintOptions): Resolved {
  return {
    bootSeconds: options.bootSeconds === undefined ? undefined : nonNegativeInteger('bootSeconds', options.bootSeconds),
    drainSeconds: options.drainSeconds === undefined ? undefined : nonNegativeInteger('drainSeconds', options.drainSeconds),
    slowBootHintSeconds: positiveInteger('slowBootHintSeconds', options.slowBootHintSeconds ?? lintDefaults.slowBootHintSeconds),
    minLivenessToleranceSeconds: nonNegativeInteger(
      'minLivenessToleranceSeconds',
      options.minLivenessToleranceSeconds ?? lintDefaults.minLivenessToleranceSeconds,
    ),
    schema: options.schema ?? lintDefaults.schema,
    kubeVersion: options.kubeVersion === undefined ? undefined : parseKubeVersion('kubeVersion', options.kubeVersion),
  };
}

/** Lints one file's text as the whole input. Malformed YAML becomes `yaml-syntax` findings; this never throws for bad input. */
export async function lintText(text: string, file: string, options: LintOptions = {}): Promise<Finding[]> {
  return (await lintSources([{ text, file }], options)).findings;
}

/**
 * Lints several files as one input: a Service in one file selects the pods of a workload in
 * another, as `kubectl apply -f dir/` would create them together.
 */
export async function lintSources(sources: readonly LintSource[], options: LintOptions = {}): Promise<LintReport> {
  const o = resolve(options);
  const findings: Finding[] = [];
  const documents: ManifestDocument[] = [];
  for (const { text, file } of sources) {
    const read = readManifests(text, file);
    documents.push(...read.documents);
    for (const p of read.problems) {
      findings.push({ ruleId: RULES.yamlSyntax.id, severity: RULES.yamlSyntax.severity, message: p.message, fix: RULES.yamlSyntax.fix, file, line: p.line, column: p.column });
    }
  }
  const services = servicesOf(documents);
  const skipped: Record<string, number> = {};
  let workloads = 0;
  for (const doc of documents) {
    for (const object of objectsOf(doc.value)) {
      const pod = podTemplateOf(object);
      if (!pod) {
        const kind = object.kind === '' ? '(no kind)' : object.kind;
        skipped[kind] = (skipped[kind] ?? 0) + 1;
        continue;
      }
      workloads++;
      findings.push(...(await lintObject(doc, object, pod, o, services)));
    }
  }
  if (workloads === 0 && findings.length === 0) {
    const kinds = Object.entries(skipped).map(([k, n]) => `${k} x${n}`).join(', ');
    findings.push({
      ruleId: RULES.noWorkload.id,
      severity: RULES.noWorkload.severity,
      message:
        sources.length === 0
          ? 'no manifests to check (no *.yaml or *.yml files)'
          : `nothing to check: no workload, pod template or container in the input${kinds ? ` (skipped: ${kinds})` : ''}`,
      fix: RULES.noWorkload.fix,
      file: sources[0]?.file ?? '(input)',
      line: 1,
      column: 1,
    });
  }
  return { findings: sortFindings(findings), workloads, skipped };
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId),
  );
}

interface ServiceSelector {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
}

function namespaceOf(value: Record<string, unknown>): string {
  const metadata = value['metadata'];
  return isObject(metadata) && typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '';
}

/** The Services of the input with a selector (a Service without one routes to no pod we can see). */
function servicesOf(documents: readonly ManifestDocument[]): ServiceSelector[] | undefined {
  const out: ServiceSelector[] = [];
  let any = false;
  for (const doc of documents) {
    for (const object of objectsOf(doc.value)) {
      if (object.kind !== 'Service' || object.apiVersion !== 'v1') continue; // not Knative's Service
      any = true;
      const spec = object.value['spec'];
      const selector = isObject(spec) && isObject(spec['selector']) ? spec['selector'] : undefined;
      if (!selector || Object.keys(selector).length === 0) continue;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(selector)) labels[k] = String(v);
      out.push({ namespace: namespaceOf(object.value), selector: labels });
    }
  }
  return any ? out : undefined;
}

function selectedByService(pod: PodTemplate, services: readonly ServiceSelector[] | undefined): boolean | undefined {
  if (services === undefined) return undefined;
  const namespace = namespaceOf(pod.object.value);
  // An object without a namespace lands in the namespace kubectl is given: it may share one with any other.
  const sameNamespace = (other: string): boolean => other === namespace || other === '' || namespace === '';
  return services.some((s) => sameNamespace(s.namespace) && Object.entries(s.selector).every(([k, v]) => pod.labels[k] === v));
}

function labelOf(object: ManifestObject): string {
  return object.fragment ? `(${object.fragment} fragment)` : `${object.kind}/${object.name}`;
}

async function lintObject(
  doc: ManifestDocument,
  object: ManifestObject,
  pod: PodTemplate,
  o: Resolved,
  services: readonly ServiceSelector[] | undefined,
): Promise<Finding[]> {
  const out: Finding[] = [];
  const label = labelOf(object);
  const ignored = new Set((pod.annotations[ANNOTATIONS.ignore] ?? '').split(',').map((s) => s.trim()));
  const add = (
    rule: RuleInfo,
    path: readonly (string | number)[],
    message: string,
    at: 'key' | 'value',
    extra: { container?: string | undefined; severity?: Severity | undefined; fix?: string | undefined } = {},
  ): void => {
    if (ignored.has(rule.id)) return;
    const pos = doc.locate(path, at);
    out.push({
      ruleId: rule.id,
      severity: extra.severity ?? rule.severity,
      message,
      fix: extra.fix ?? rule.fix,
      file: doc.file,
      line: pos.line,
      column: pos.column,
      object: label,
      ...(extra.container !== undefined && extra.container !== '' ? { container: extra.container } : {}),
    });
  };
  if (o.schema) await lintSchema(object, add, o.kubeVersion);
  const settings = settingsFor(pod, o, selectedByService(pod, services), (message) =>
    add(RULES.schemaInvalid, [...object.path, 'metadata', 'annotations'], message, 'key'),
  );
  for (const f of lintPodTemplate(pod, settings)) add(f.rule, f.path, f.message, 'key', { container: f.container, severity: f.severity, fix: f.fix });
  return out;
}

type Add = (rule: RuleInfo, path: readonly (string | number)[], message: string, at: 'key' | 'value') => void;

/** Whether the cluster is newer than the schema used: a field unknown to the schema may be one it added. */
function newerThanSchema(version: KubeVersion | undefined, schema: string): boolean {
  if (version === undefined) return false;
  const [major, minor] = schema.split('.').map(Number) as [number, number];
  return version[0] > major || (version[0] === major && version[1] > minor);
}

/** Validates against the bundled schema closest to the cluster's version (the newest when unknown). */
async function lintSchema(object: ManifestObject, add: Add, kubeVersion: KubeVersion | undefined): Promise<void> {
  const schema = schemaVersionFor(kubeVersion);
  // A fragment is validated as what it is shaped like; a container list item by item.
  const targets: { apiVersion: string; kind: string; value: unknown; path: readonly (string | number)[] }[] =
    object.fragment === 'container list'
      ? (object.value['containers'] as unknown[]).map((c, i) => ({ apiVersion: '', kind: 'container', value: c, path: [...object.path, i] }))
      : [{ apiVersion: object.apiVersion, kind: object.fragment ?? object.kind, value: object.value, path: object.path }];
  for (const t of targets) {
    for (const p of await validateObject(t.apiVersion, t.kind, t.value, schema)) {
      const unknown = p.kind === 'unknown-field';
      const where = p.path.map(String).join('.') || '(root)';
      const newer = unknown && newerThanSchema(kubeVersion, schema) ? `; Kubernetes ${(kubeVersion as KubeVersion).join('.')} may have it` : '';
      add(unknown ? RULES.unknownField : RULES.schemaInvalid, [...t.path, ...p.path], `${where}: ${p.message.replace(/\)$/, `${newer})`)}`, unknown ? 'key' : 'value');
    }
  }
}

function settingsFor(pod: PodTemplate, o: Resolved, selected: boolean | undefined, report: (message: string) => void): RuleSettings {
  const seconds = (key: string): number | undefined => {
    const raw = pod.annotations[key];
    if (raw === undefined) return undefined;
    const value = Number(raw.trim().replace(/s$/, ''));
    if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
      report(`annotation \`${key}\` must be a number of seconds, got \`${raw}\``);
      return undefined;
    }
    return value;
  };
  const podBoot = seconds(ANNOTATIONS.bootSeconds) ?? o.bootSeconds;
  const perContainer = new Map<string, number | undefined>();
  for (const key of Object.keys(pod.annotations)) {
    if (key.startsWith(`${ANNOTATIONS.bootSeconds}.`)) perContainer.set(key.slice(ANNOTATIONS.bootSeconds.length + 1), seconds(key));
  }
  const signals = pod.annotations[ANNOTATIONS.stopSignals];
  let stopSignals: string[] | undefined;
  if (signals !== undefined) {
    stopSignals = signals.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
    const bad = stopSignals.find((s) => !/^SIG[A-Z0-9]+$/.test(s));
    if (bad !== undefined || stopSignals.length === 0) {
      report(`annotation \`${ANNOTATIONS.stopSignals}\` must be comma-separated signal names like SIGTERM, got \`${signals}\``);
      stopSignals = undefined;
    }
  }
  return {
    bootSeconds: (container) => (perContainer.has(container) ? perContainer.get(container) : podBoot),
    drainSeconds: seconds(ANNOTATIONS.drainSeconds) ?? o.drainSeconds,
    slowBootHintSeconds: o.slowBootHintSeconds,
    minLivenessToleranceSeconds: o.minLivenessToleranceSeconds,
    kubeVersion: o.kubeVersion,
    selectedByService: selected,
    stopSignals,
  };
}
