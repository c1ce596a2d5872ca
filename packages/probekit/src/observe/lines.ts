import { ENDPOINT_NAMES } from '../http/endpoints.js';
import { formatMs } from '../engine/errors.js';
import type { CheckTransition } from '../engine/runner.js';
import type { CheckStatus } from '../engine/types.js';
import type { LogFields, LogLevel } from './logger.js';

/** One log line: level, message, fields. */
export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

const WORD: Record<CheckStatus, string> = { pass: 'ok', fail: 'failed', warn: 'warn', pending: 'not yet checked' };

/**
 * The line for a check's transition, e.g.
 * `readyz: redis failed: connect ECONNREFUSED 127.0.0.1:6379 (was ok for 3h12m)`.
 * A liveness failure is an error (the kubelet will restart the container), any other failure a warning.
 */
export function transitionLine(event: CheckTransition): LogLine {
  const probes = event.probes.map((p) => ENDPOINT_NAMES[p]).join(',');
  const reason = event.to !== 'pass' && event.reason !== undefined ? `: ${event.reason}` : '';
  const was = event.from === 'pending' ? `first result after ${formatMs(event.forMs)}` : `was ${WORD[event.from]} for ${formatMs(event.forMs)}`;
  const level: LogLevel = event.to === 'pass' ? 'info' : event.to === 'fail' && event.probes.includes('liveness') ? 'error' : 'warn';
  return {
    level,
    message: `${probes}: ${event.name} ${WORD[event.to]}${reason} (${was})`,
    fields: {
      event: 'probekit.transition',
      check: event.name,
      probes: [...event.probes],
      from: event.from,
      to: event.to,
      ...(event.reason !== undefined && event.to !== 'pass' ? { reason: event.reason } : {}),
      previousStateMs: event.forMs,
    },
  };
}

export function startedLine(event: { readonly durationMs: number }): LogLine {
  return { level: 'info', message: `startupz: startup complete after ${formatMs(event.durationMs)}`, fields: { event: 'probekit.started', durationMs: event.durationMs } };
}

export function shutdownLine(): LogLine {
  return { level: 'info', message: 'readyz: shutting down, readiness now fails (liveness unchanged)', fields: { event: 'probekit.shutdown', phase: 'begin' } };
}

/** A shutdown phase reported by the shutdown sequence, e.g. `drain`, `close`, `hooks`, `exit`. */
export function phaseLine(phase: string, fields: LogFields = {}, message?: string): LogLine {
  return { level: 'info', message: message ?? `shutdown: ${phase}`, fields: { event: 'probekit.shutdown', phase, ...fields } };
}
