import type { Labels, MetricFamily } from './model.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** OpenMetrics only when the scraper asks for it (Prometheus does, with a q-value, since 2.5). */
export function formatFor(accept: string | undefined): ExpositionFormat {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}

/** Renders families in the Prometheus text format 0.0.4 or OpenMetrics 1.0.0. */
export function renderExposition(families: readonly MetricFamily[], format: ExpositionFormat): string {
  const om = format === 'openmetrics';
  const out: string[] = [];
  for (const family of families) {
    // NOTE: OpenMetrics names a counter family without `_total`; its samples keep the suffix.
    const familyName = om && family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
    out.push(`# HELP ${familyName} ${escapeHelp(family.help, om)}`);
    out.push(`# TYPE ${familyName} ${family.type}`);
    if (om && family.unit) out.push(`# UNIT ${familyName} ${family.unit}`);
    if (family.type === 'histogram') {
      for (const s of family.series) {
        s.bounds.forEach((bound, i) => out.push(line(`${family.name}_bucket`, s.labels, s.counts[i] ?? 0, formatValue(bound))));
        out.push(line(`${family.name}_bucket`, s.labels, s.count, '+Inf'));
        out.push(line(`${family.name}_sum`, s.labels, s.sum));
        out.push(line(`${family.name}_count`, s.labels, s.count));
      }
    } else {
      for (const s of family.samples) out.push(line(family.name, s.labels, s.value));
    }
  }
  if (om) out.push('# EOF');
  return `${out.join('\n')}\n`;
}

function line(name: string, labels: Labels | undefined, value: number, le?: string): string {
  const parts: string[] = [];
  if (labels) for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabel(v)}"`);
  if (le !== undefined) parts.push(`le="${le}"`);
  return `${name}${parts.length > 0 ? `{${parts.join(',')}}` : ''} ${formatValue(value)}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string, om: boolean): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return om ? escaped.replace(/"/g, '\\"') : escaped;
}
