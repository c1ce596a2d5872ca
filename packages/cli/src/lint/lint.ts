/** Lints Kubernetes manifests for probe mistakes: YAML text in, positioned findings out. */
import { nonNegativeInteger, positiveInteger } from 'probekit/internal';
import { ANNOTATIONS } from '../manifests/annotations.js';
import { readManifests } from '../manifests/manifest-reader.js';
import type { ManifestDocument } from '../manifests/manifest-reader.js';
import { RULES } from './rule-catalog.js';
import type { RuleInfo, Severity } from './rule-catalog.js';
import { lintPodTemplate } from './rules.js';
import type { RuleSettings } from './rules.js';
import { validateObject } from '../manifests/schema.js';
import { objectsOf, podTemplateOf } from '../manifests/workloads.js';
import type { PodTemplate } from '../manifests/workloads.js';

export { ANNOTATIONS };

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
}

export const lintDefaults = {
  slowBootHintSeconds: 30,
  minLivenessToleranceSeconds: 10,
  schema: true,
} as const satisfies Required<Omit<LintOptions, 'bootSeconds' | 'drainSeconds'>>;

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

interface Resolved {
  readonly bootSeconds: number | undefined;
  readonly drainSeconds: number | undefined;
  readonly slowBootHintSeconds: number;
  readonly minLivenessToleranceSeconds: number;
  readonly schema: boolean;
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
  };
}

/** Lints one file's text. Malformed YAML becomes `yaml-syntax` findings; this never throws for bad input. */
export async function lintText(text: string, file: string, options: LintOptions = {}): Promise<Finding[]> {
  const o = resolve(options);
  const { documents, problems } = readManifests(text, file);
  const findings: Finding[] = problems.map((p) => ({
    ruleId: RULES.yamlSyntax.id,
    severity: RULES.yamlSyntax.severity,
    message: p.message,
    fix: RULES.yamlSyntax.fix,
    file,
    line: p.line,
    column: p.column,
  }));
  for (const doc of documents) findings.push(...(await lintDocument(doc, o)));
  return sortFindings(findings);
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId),
  );
}

async function lintDocument(doc: ManifestDocument, o: Resolved): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const object of objectsOf(doc.value)) {
    const pod = podTemplateOf(object);
    if (!pod) continue;
    const label = `${object.kind}/${object.name}`;
    const ignored = new Set((pod.annotations[ANNOTATIONS.ignore] ?? '').split(',').map((s) => s.trim()));
    const add = (rule: RuleInfo, path: readonly (string | number)[], message: string, at: 'key' | 'value', container?: string): void => {
      if (ignored.has(rule.id)) return;
      const pos = doc.locate(path, at);
      out.push({
        ruleId: rule.id,
        severity: rule.severity,
        message,
        fix: rule.fix,
        file: doc.file,
        line: pos.line,
        column: pos.column,
        object: label,
        ...(container !== undefined && container !== '' ? { container } : {}),
      });
    };
    if (o.schema) {
      for (const p of await validateObject(object.apiVersion, object.kind, object.value)) {
        const rule = p.kind === 'unknown-field' ? RULES.unknownField : RULES.schemaInvalid;
        const where = p.path.map(String).join('.') || '(root)';
        add(rule, [...object.path, ...p.path], `${where}: ${p.message}`, p.kind === 'unknown-field' ? 'key' : 'value');
      }
    }
    const settings = settingsFor(pod, o, (message) => add(RULES.schemaInvalid, [...object.path, 'metadata', 'annotations'], message, 'key'));
    for (const f of lintPodTemplate(pod, settings)) add(f.rule, f.path, f.message, 'key', f.container);
  }
  return out;
}

function settingsFor(pod: PodTemplate, o: Resolved, report: (message: string) => void): RuleSettings {
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
  return {
    bootSeconds: (container) => (perContainer.has(container) ? perContainer.get(container) : podBoot),
    drainSeconds: seconds(ANNOTATIONS.drainSeconds) ?? o.drainSeconds,
    slowBootHintSeconds: o.slowBootHintSeconds,
    minLivenessToleranceSeconds: o.minLivenessToleranceSeconds,
  };
}
