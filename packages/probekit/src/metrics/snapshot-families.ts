import { evaluate } from '../engine/evaluate.js';
import type { HealthSnapshot } from '../engine/types.js';
import type { MetricFamily, Sample } from './model.js';

const bool = (value: boolean): number => (value ? 1 : 0);

/**
 * The series that are a pure function of a snapshot and the main loop's state, so the probe worker
 * computes them itself even while the main thread is blocked.
 */
export function snapshotFamilies(snapshot: HealthSnapshot, loopBlockedMs: number): MetricFamily[] {
  const status: Sample[] = [];
  const failures: Sample[] = [];
  for (const check of snapshot.checks) {
    for (const probe of check.probes) status.push({ labels: { check: check.name, probe }, value: bool(check.status === 'pass') });
    failures.push({ labels: { check: check.name }, value: check.consecutiveFailures });
  }
  const ok = (probe: 'liveness' | 'readiness' | 'startup'): number => bool(evaluate(snapshot, probe, { loopBlockedMs }).ok);
  return [
    { type: 'gauge', name: 'probekit_check_status', help: 'Whether the check passes (1) or is failing, warning or not yet checked (0).', samples: status },
    { type: 'gauge', name: 'probekit_check_consecutive_failures', help: 'Failed runs of the check in a row (0 while it passes).', samples: failures },
    { type: 'gauge', name: 'probekit_live', help: 'Whether the liveness probe passes (1) or fails (0).', samples: [{ value: ok('liveness') }] },
    { type: 'gauge', name: 'probekit_ready', help: 'Whether the readiness probe passes (1) or fails (0).', samples: [{ value: ok('readiness') }] },
    { type: 'gauge', name: 'probekit_started', help: 'Whether startup has completed (1) or not (0).', samples: [{ value: bool(snapshot.started) }] },
    { type: 'gauge', name: 'probekit_shutting_down', help: 'Whether shutdown has begun (1) or not (0).', samples: [{ value: bool(snapshot.shuttingDown) }] },
    {
      type: 'gauge',
      name: 'probekit_event_loop_blocked_seconds',
      help: 'How long the main event loop has been unable to run timers right now, beyond the watchdog interval.',
      unit: 'seconds',
      samples: [{ value: loopBlockedMs / 1000 }],
    },
  ];
}
