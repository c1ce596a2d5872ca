/**
 * How each Prometheus family maps to an OpenTelemetry instrument. There is no semantic convention for
 * health checks yet (open-telemetry/semantic-conventions#1106): per-check series take the names of
 * the nearest published ones (Xabaril's `health_check.status` / `health_check.duration` with a
 * `health_check.name` attribute, .NET's `dotnet.health_check.*`), process-wide ones live under
 * `probekit.*`. docs/metrics.md has the same table for people.
 */

export type InstrumentKind = 'gauge' | 'counter' | 'histogram';

export interface InstrumentSpec {
  /** The Prometheus family name this instrument carries. */
  readonly family: string;
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM unit: `s` for seconds, `1` for a ratio or flag, `{thing}` for a count of things. */
  readonly unit: string;
  readonly description: string;
  /** Prometheus label → OpenTelemetry attribute. */
  readonly attributes: Readonly<Record<string, string>>;
}

const CHECK = { check: 'health_check.name' } as const;

/** Families the Node runtime instrumentation already measures (`nodejs.eventloop.delay.p99`, `.max`): not exported twice. */
export const LEFT_TO_RUNTIME_INSTRUMENTATION: readonly string[] = ['probekit_event_loop_delay_p99_seconds', 'probekit_event_loop_delay_max_seconds'];

export const INSTRUMENTS: readonly InstrumentSpec[] = [
  {
    family: 'probekit_check_status',
    name: 'health_check.status',
    kind: 'gauge',
    unit: '1',
    description: 'Whether the check passes (1) or is failing, warning or not yet checked (0).',
    attributes: { ...CHECK, probe: 'health_check.probe' },
  },
  {
    family: 'probekit_check_consecutive_failures',
    name: 'health_check.consecutive_failures',
    kind: 'gauge',
    unit: '{run}',
    description: 'Failed runs of the check in a row (0 while it passes).',
    attributes: CHECK,
  },
  {
    family: 'probekit_check_runs_total',
    name: 'health_check.runs',
    kind: 'counter',
    unit: '{run}',
    description: 'Completed check runs by result (timeouts count as fail).',
    attributes: { ...CHECK, result: 'health_check.result' },
  },
  {
    family: 'probekit_check_timeouts_total',
    name: 'health_check.timeouts',
    kind: 'counter',
    unit: '{run}',
    description: 'Check runs that exceeded their timeout (aborted at it, or overran it and failed).',
    attributes: CHECK,
  },
  {
    family: 'probekit_check_duration_seconds',
    name: 'health_check.duration',
    kind: 'histogram',
    unit: 's',
    description: 'How long check runs took.',
    attributes: CHECK,
  },
  {
    family: 'probekit_probe_requests_total',
    name: 'probekit.probe.requests',
    kind: 'counter',
    unit: '{request}',
    description: 'Requests served by the probe server, by endpoint and status code.',
    attributes: { probe: 'probekit.probe.endpoint', code: 'http.response.status_code' },
  },
  { family: 'probekit_live', name: 'probekit.live', kind: 'gauge', unit: '1', description: 'Whether the liveness probe passes (1) or fails (0).', attributes: {} },
  { family: 'probekit_ready', name: 'probekit.ready', kind: 'gauge', unit: '1', description: 'Whether the readiness probe passes (1) or fails (0).', attributes: {} },
  { family: 'probekit_started', name: 'probekit.started', kind: 'gauge', unit: '1', description: 'Whether startup has completed (1) or not (0).', attributes: {} },
  { family: 'probekit_shutting_down', name: 'probekit.shutting_down', kind: 'gauge', unit: '1', description: 'Whether shutdown has begun (1) or not (0).', attributes: {} },
  {
    family: 'probekit_startup_duration_seconds',
    name: 'probekit.startup.duration',
    kind: 'gauge',
    unit: 's',
    description: 'Time from creating the health instance to startup completing.',
    attributes: {},
  },
  {
    family: 'probekit_event_loop_blocked_seconds',
    name: 'probekit.eventloop.blocked.duration',
    kind: 'gauge',
    unit: 's',
    description: 'How long the main event loop has been unable to run timers right now, beyond the watchdog interval.',
    attributes: {},
  },
  {
    family: 'probekit_main_thread_blocked_seconds_total',
    name: 'probekit.eventloop.blocked.time',
    kind: 'counter',
    unit: 's',
    description: 'Time the main event loop was blocked, counted from watchdog gaps longer than the threshold.',
    attributes: {},
  },
  {
    family: 'probekit_restarts_total',
    name: 'probekit.restarts',
    kind: 'counter',
    unit: '{restart}',
    description: 'Container restarts seen through the forensics state directory, by most likely cause.',
    attributes: { cause: 'probekit.restart.cause' },
  },
  {
    family: 'probekit_previous_termination',
    name: 'probekit.previous_termination',
    kind: 'gauge',
    unit: '1',
    description: 'The most likely cause of the previous container ending (1 for that cause).',
    attributes: { cause: 'probekit.restart.cause' },
  },
];

/** Attribute values keep the label's string, except an HTTP status code, which OpenTelemetry types as an int. */
export function attributesOf(spec: InstrumentSpec, labels: Readonly<Record<string, string>> | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (!labels) return out;
  for (const [label, value] of Object.entries(labels)) {
    const key = spec.attributes[label] ?? label;
    out[key] = key === 'http.response.status_code' ? Number(value) : value;
  }
  return out;
}
