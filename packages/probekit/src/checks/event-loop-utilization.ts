/** Event-loop utilization check: readiness-side load shedding when the main loop is saturated. */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError } from './shared.js';

/** Options of `eventLoopUtilizationCheck()`. */
export interface EventLoopUtilizationCheckOptions {
  /** Fail when the loop was busy more than this fraction (0-1) of the time since the previous run. @default 0.9 */
  readonly maxUtilization?: number;
  /** The utilization source; injectable for tests. @default performance.eventLoopUtilization */
  readonly eventLoopUtilization?: (current?: EventLoopUtilization, previous?: EventLoopUtilization) => EventLoopUtilization;
}

export const eventLoopUtilizationCheckDefaults = {
  maxUtilization: 0.9,
  eventLoopUtilization: (current?: EventLoopUtilization, previous?: EventLoopUtilization) => performance.eventLoopUtilization(current, previous),
} satisfies Required<EventLoopUtilizationCheckOptions>;

/**
 * Fails readiness while the main event loop is nearly always busy (utilization over the window
 * between two runs, i.e. the check's interval), so the load balancer sends the traffic elsewhere
 * until the backlog clears. Never use it on liveness: a busy process is not a wedged one.
 */
export function eventLoopUtilizationCheck(options: EventLoopUtilizationCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('eventLoopUtilizationCheck() options', options, ['maxUtilization', 'eventLoopUtilization']);
  const maxUtilization = options.maxUtilization ?? eventLoopUtilizationCheckDefaults.maxUtilization;
  if (typeof maxUtilization !== 'number' || !(maxUtilization > 0 && maxUtilization <= 1)) {
    throw new TypeError(`Expected \`maxUtilization\` to be a number above 0 and at most 1, got \`${v.describe(maxUtilization)}\``);
  }
  const elu = options.eventLoopUtilization ?? eventLoopUtilizationCheckDefaults.eventLoopUtilization;
  // The first window starts when the check is created.
  let previous = elu();

  const check = () => {
    const current = elu();
    const window = elu(current, previous);
    previous = current;
    const utilization = Math.round(window.utilization * 1000) / 1000;
    const shown = `event loop ${Math.round(utilization * 100)}% busy over ${Math.round((window.idle + window.active))} ms`;
    if (utilization > maxUtilization) throw new DependencyCheckError('eventLoopUtilization', `${shown}, above maxUtilization ${maxUtilization}`);
    return { observedValue: utilization, observedUnit: 'ratio', measurement: 'utilization', componentType: 'system', output: shown };
  };

  return Object.freeze({ check, dependency: false, componentType: 'system' });
}
