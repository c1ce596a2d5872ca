import type { CheckSnapshot, HealthSnapshot } from '../types.js';

// Hand-built snapshots for the pure functions that read them (evaluate, sameLines, render), so
// that a test sets exactly the fields it is about.

/** A passing critical readiness check that has run once; `overrides` set the rest. */
export function checkSnapshot(overrides: Partial<CheckSnapshot> & Pick<CheckSnapshot, 'name'>): CheckSnapshot {
  return {
    kind: 'check',
    probes: ['readiness'],
    status: 'pass',
    critical: true,
    dependency: false,
    reasonPublic: false,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    runs: 1,
    ...overrides,
  };
}

/** A started process with no loop bounds, not shutting down, no checks; `overrides` set the rest. */
export function healthSnapshot(overrides: Partial<HealthSnapshot> = {}): HealthSnapshot {
  return {
    version: 1,
    time: 1_700_000_000_000,
    started: true,
    manualStartup: false,
    shuttingDown: false,
    notReady: undefined,
    fatal: undefined,
    maxBlockMs: 0,
    maxLagMs: 0,
    checks: [],
    ...overrides,
  };
}
