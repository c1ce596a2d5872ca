import type { Scenario } from '../scenario/scenario.js';
import { configuration, recoveryText, seconds } from './report-text.js';
import type { LabResult } from '../simulate.js';

/**
 * The second configuration under the first one's fault timeline, seed and duration, so the two
 * differ only in their configuration. Throws when a fault names a dependency `b` lacks.
 */
export function underSameFaults(a: Scenario, b: Scenario): Scenario {
  for (const fault of a.faults) {
    if (fault.target === 'dependency' && !(fault.dependency in b.dependencies)) {
      throw new TypeError(`Cannot compare: ${a.name}'s fault timeline uses dependency \`${fault.dependency}\`, which ${b.name} does not declare`);
    }
  }
  return { ...b, faults: a.faults, seed: a.seed, durationMs: a.durationMs };
}

/** Two runs side by side: one row per measure. */
export function formatComparison(a: LabResult, b: LabResult): string {
  const rows: Array<[string, string, string]> = [
    ['', a.scenario.name, b.scenario.name],
    ['restarts', String(a.summary.restarts), String(b.summary.restarts)],
    ['unready (all pods)', seconds(a.summary.unreadySeconds * 1000), seconds(b.summary.unreadySeconds * 1000)],
    ['requests served', String(a.summary.requestsServed), String(b.summary.requestsServed)],
    ['requests failed', String(a.summary.requestsFailed), String(b.summary.requestsFailed)],
    ['outage (no endpoint)', seconds(a.summary.outageSeconds * 1000), seconds(b.summary.outageSeconds * 1000)],
    ['time to recover', recoveryText(a, true), recoveryText(b, true)],
    ['kubelet, load balancer', configuration(a).replace('Kubernetes ', '').replace(' kubelet', ''), configuration(b).replace('Kubernetes ', '').replace(' kubelet', '')],
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => `${r[0].padEnd(w[0]!)}  ${r[1].padStart(w[1]!)}  ${r[2].padStart(w[2]!)}`.trimEnd()).join('\n')}\n`;
}
