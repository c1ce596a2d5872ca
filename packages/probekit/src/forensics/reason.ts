import { evaluate } from '../engine/evaluate.js';
import type { HealthSnapshot } from '../engine/types.js';

/** The liveness verdict as recorded: ok, or the failing lines, e.g. `consumer: no heartbeat within 30 s`. */
export function livenessVerdict(snapshot: HealthSnapshot, loopBlockedMs: number): { readonly ok: boolean; readonly reason?: string } {
  const verdict = evaluate(snapshot, 'liveness', { loopBlockedMs });
  if (verdict.ok) return { ok: true };
  return { ok: false, reason: verdict.lines.filter((l) => l.status === 'fail').map((l) => `${l.name}: ${l.reason ?? 'failed'}`).join('; ') };
}
