/** Lint report formats: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning UIs. */
import type { Finding } from './lint.js';
import { ALL_RULES } from './rule-catalog.js';
import type { Severity } from './rule-catalog.js';

export type ReportFormat = 'text' | 'json' | 'sarif';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif'];

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a run covered besides its findings; `--live` has none of it. */
export interface Coverage {
  readonly workloads: number;
  readonly skipped: Readonly<Record<string, number>>;
}

function describeCoverage(filesChecked: number, coverage: Coverage | undefined): string {
  const parts = [plural(filesChecked, 'file')];
  if (coverage) {
    parts.push(plural(coverage.workloads, 'workload'));
    const skipped = Object.entries(coverage.skipped).sort(([a], [b]) => a.localeCompare(b));
    const total = skipped.reduce((n, [, c]) => n + c, 0);
    if (total > 0) parts.push(`${plural(total, 'document')} skipped (${skipped.map(([k, c]) => `${k} x${c}`).join(', ')})`);
  }
  return `${parts.join(', ')} checked`;
}

export function formatText(findings: readonly Finding[], filesChecked: number, coverage?: Coverage): string {
  const lines: string[] = [];
  for (const f of findings) {
    const where = [f.object, f.container ? `container ${f.container}` : ''].filter(Boolean).join(', ');
    lines.push(`${f.file}:${f.line}:${f.column}: ${f.severity} ${f.ruleId}: ${f.message}${where ? ` [${where}]` : ''}`);
    lines.push(`  fix: ${f.fix}`);
  }
  const c = countBySeverity(findings);
  const head = describeCoverage(filesChecked, coverage);
  lines.push(
    findings.length === 0
      ? `${head}: no probe problems found`
      : `${head}: ${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${plural(c.note, 'note')}`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatJson(findings: readonly Finding[], filesChecked: number, coverage?: Coverage): string {
  const extra = coverage ? { workloads: coverage.workloads, skipped: coverage.skipped } : {};
  return `${JSON.stringify({ filesChecked, ...extra, summary: countBySeverity(findings), findings }, null, 2)}\n`;
}

/** SARIF 2.1.0 (OASIS): one run, every rule in the driver, one result per finding. */
export function formatSarif(findings: readonly Finding[], toolVersion: string): string {
  const index = new Map(ALL_RULES.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'probekit',
            version: toolVersion,
            rules: ALL_RULES.map((r) => ({
              id: r.id,
              shortDescription: { text: r.summary },
              help: { text: `${r.fix} (docs/lint.md#${r.id})` },
              defaultConfiguration: { level: r.severity },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
          level: f.severity,
          message: { text: `${f.message}. Fix: ${f.fix}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: toUri(f.file) },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** A relative path as a SARIF URI reference (forward slashes, percent-encoded). */
function toUri(file: string): string {
  return encodeURI(file.replace(/\\/g, '/').replace(/^\.\//, ''));
}
