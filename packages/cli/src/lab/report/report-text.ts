import type { ContainerState } from '../model/pod.js';
import { FAILURE_CAUSES, type LabResult, type PodReport } from '../simulate.js';
import type { Segment } from '../model/timeline.js';

/** Seconds with one decimal: `66.3 s`. */
export function seconds(ms: number): string {
  return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
}

/** `1m30s`, `45s`, `2h05m` for axis labels. */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 === 0 ? '' : `${String(s % 60).padStart(2, '0')}s`}`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}`;
}

/** The summary table: restarts, seconds unready per pod, requests served and failed, time to recover. */
export function formatSummary(result: LabResult): string {
  const rows = result.pods.map((p) => [
    p.name,
    String(p.restarts),
    seconds(p.unreadySeconds * 1000),
    `${p.probeFailures.startup}/${p.probeFailures.liveness}/${p.probeFailures.readiness}`,
    finalState(p),
  ]);
  const header = ['pod', 'restarts', 'unready', 'failed probes s/l/r', 'at the end'];
  const s = result.summary;
  const total = ['total', String(s.restarts), seconds(s.unreadySeconds * 1000), '', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...[...rows, total].map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const causes = FAILURE_CAUSES.filter((c) => result.traffic.byCause[c] > 0).map((c) => `${c} ${result.traffic.byCause[c]}`);
  const out = [
    `${result.scenario.name}${result.scenario.description ? ` — ${result.scenario.description}` : ''}`,
    `${result.scenario.replicas} replicas, ${clock(result.scenario.durationMs)} ${result.mode === 'real' ? 'of real processes in real time' : 'simulated'}, seed ${result.scenario.seed}, ${configuration(result)}`,
    '',
    line(header),
    ...rows.map(line),
    line(total),
    '',
    `requests: ${result.traffic.total} sent, ${s.requestsServed} served, ${s.requestsFailed} failed${causes.length ? ` (${causes.join(', ')})` : ''}`,
    `outage (no endpoint to send to): ${seconds(s.outageSeconds * 1000)}`,
    `time to recover after the last fault: ${recoveryText(result)}`,
  ];
  return `${out.join('\n')}\n`;
}

/** Which kubelet and load balancer a run played: `Kubernetes 1.34 kubelet, kube-proxy`. */
export function configuration(result: LabResult): string {
  return `Kubernetes ${result.scenario.kubernetes} kubelet, ${result.scenario.loadBalancer}`;
}

/** `6.9 s`, `never (a replica was still out at the end)`, or `no fault`. */
export function recoveryText(result: LabResult, short = false): string {
  const s = result.summary;
  if (s.recovery === 'no fault') return short ? '—' : 'no fault ended in the run';
  if (s.recovery === 'never' || s.recoverSeconds === null) return short ? 'never' : 'never (a replica was still out of the load balancer at the end)';
  return seconds(s.recoverSeconds * 1000);
}

function finalState(p: PodReport): string {
  const last = p.state[p.state.length - 1];
  if (!last) return '';
  if (last.value === 'running') return p.ready[p.ready.length - 1]?.value === 'ready' ? 'ready' : 'running, not ready';
  return last.value === 'backoff' ? 'CrashLoopBackOff' : last.value;
}

/** What one column of a pod's row shows, worst first. */
const POD_MARKS: ReadonlyArray<readonly [string, string]> = [
  ['!', 'restarted'],
  ['~', 'CrashLoopBackOff'],
  ['x', 'terminating'],
  ['.', 'running, not Ready'],
  ['r', 'Ready, not yet in the load balancer'],
  ['#', 'in the load balancer'],
  [' ', 'no container'],
];

const DEP_MARKS: Record<string, string> = { up: '-', down: 'D', hang: 'H', slow: 'S', flapping: 'F', jitter: 'J' };

/** A terminal timeline: one row per pod and per dependency, and the failed requests. */
export function formatTimeline(result: LabResult, width = 72): string {
  const end = result.scenario.durationMs;
  const col = end / width;
  const nameWidth = Math.max(8, ...result.pods.map((p) => p.name.length), ...result.dependencies.map((d) => d.name.length));
  const lines: string[] = [];
  const axis = new Array<string>(width).fill(' ');
  for (let i = 0; i <= 4; i++) {
    const label = clock((end * i) / 4);
    const at = Math.min(width - label.length, Math.round((width * i) / 4) - (i === 0 ? 0 : Math.ceil(label.length / 2)));
    for (let k = 0; k < label.length; k++) axis[Math.max(0, at) + k] = label[k]!;
  }
  lines.push(`${''.padEnd(nameWidth)}  ${axis.join('')}`);
  for (const dep of result.dependencies) {
    lines.push(`${dep.name.padEnd(nameWidth)} |${columns(width, col, (from, to) => worstDep(dep.state, from, to))}|`);
  }
  for (const pod of result.pods) {
    lines.push(`${pod.name.padEnd(nameWidth)} |${columns(width, col, (from, to) => podMark(pod, from, to))}|`);
  }
  const failed = result.traffic.failedPerBucket;
  const total = failed.map((f, i) => f + result.traffic.servedPerBucket[i]!);
  const bucket = result.traffic.bucketMs;
  lines.push(
    `${'failed'.padEnd(nameWidth)} |${columns(width, col, (from, to) => {
      let f = 0;
      let t = 0;
      for (let b = Math.floor(from / bucket); b < Math.ceil(to / bucket) && b < failed.length; b++) {
        f += failed[b]!;
        t += total[b]!;
      }
      if (t === 0 || f === 0) return ' ';
      const share = f / t;
      return share >= 0.75 ? '@' : share >= 0.5 ? 'O' : share >= 0.25 ? 'o' : '.';
    })}|`,
  );
  lines.push('');
  lines.push(`pods: ${POD_MARKS.filter(([m]) => m !== ' ').map(([m, what]) => `${m} ${what}`).join(', ')}`);
  lines.push(`dependencies: ${Object.entries(DEP_MARKS).map(([k, m]) => `${m} ${k}`).join(', ')}; failed requests: . <25%  o <50%  O <75%  @ more`);
  return `${lines.join('\n')}\n`;
}

function columns(width: number, col: number, mark: (from: number, to: number) => string): string {
  let row = '';
  for (let i = 0; i < width; i++) row += mark(i * col, (i + 1) * col);
  return row;
}

function overlaps(s: Segment, from: number, to: number): boolean {
  return s.from < to && s.to > from;
}

function worstDep(state: readonly Segment[], from: number, to: number): string {
  let mark = ' ';
  for (const s of state) {
    if (!overlaps(s, from, to)) continue;
    const m = DEP_MARKS[s.value] ?? '?';
    if (mark === ' ' || mark === '-') mark = m;
  }
  return mark;
}

function podMark(pod: PodReport, from: number, to: number): string {
  if (pod.events.some((e) => e.type === 'started' && e.at >= from && e.at < to && e.detail.startsWith('container restarted'))) return '!';
  const states = new Set<ContainerState>(pod.state.filter((s) => overlaps(s, from, to)).map((s) => s.value));
  if (states.has('backoff')) return '~';
  if (states.has('terminating')) return 'x';
  const running = states.has('running');
  if (!running) return ' ';
  if (pod.ready.some((s) => s.value === 'unready' && overlaps(s, from, to))) return '.';
  if (pod.loadBalancer.some((s) => s.value === 'out' && overlaps(s, from, to))) return 'r';
  return '#';
}
