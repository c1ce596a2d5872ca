/**
 * Circuit-breaker readiness check for opossum and cockatiel breakers: reads the breaker's state,
 * sends nothing. No runtime import of either package.
 */
import type { CheckDefinition } from '../engine/types.js';
import * as v from '../engine/validate.js';
import { DependencyCheckError } from './shared.js';

/** The part of an opossum `CircuitBreaker` the check reads. */
export interface OpossumBreakerLike {
  readonly opened: boolean;
  readonly halfOpen: boolean;
  readonly name?: string;
}

/** The part of a cockatiel `CircuitBreakerPolicy` the check reads (`state`: 0 closed, 1 open, 2 half-open, 3 isolated). */
export interface CockatielBreakerLike {
  readonly state: number;
}

/** Options of `circuitBreakerCheck()`. */
export interface CircuitBreakerCheckOptions {
  /**
   * `'fail'`: an open breaker fails readiness. `'warn'`: it is reported as a warning (`[!]`) and
   * readiness still passes — the returned definition carries `defaults: { critical: false }`.
   * @default 'fail'
   */
  readonly whenOpen?: 'fail' | 'warn';
  /** A half-open breaker is probing its dependency: pass (let traffic help it close) or fail. @default 'pass' */
  readonly whenHalfOpen?: 'pass' | 'fail';
}

export const circuitBreakerCheckDefaults = { whenOpen: 'fail', whenHalfOpen: 'pass' } satisfies Required<CircuitBreakerCheckOptions>;

type State = 'closed' | 'open' | 'half-open' | 'isolated';
const COCKATIEL_STATES: Record<number, State> = { 0: 'closed', 1: 'open', 2: 'half-open', 3: 'isolated' };

/**
 * A readiness check that fails while the breaker is open (or isolated): the service already knows
 * its dependency is failing, so it should not take traffic it can only answer with errors.
 * `whenOpen: 'warn'` reports it instead, for a dependency the service can degrade without.
 */
export function circuitBreakerCheck(breaker: OpossumBreakerLike | CockatielBreakerLike, options: CircuitBreakerCheckOptions = {}): CheckDefinition {
  v.plainObject('options', options);
  v.knownKeys('circuitBreakerCheck() options', options, ['whenOpen', 'whenHalfOpen']);
  const whenOpen = v.oneOf('whenOpen', options.whenOpen ?? circuitBreakerCheckDefaults.whenOpen, ['fail', 'warn'] as const);
  const whenHalfOpen = v.oneOf('whenHalfOpen', options.whenHalfOpen ?? circuitBreakerCheckDefaults.whenHalfOpen, ['pass', 'fail'] as const);
  const read = stateReader(breaker);

  const check = () => {
    const state = read();
    if (state === 'open' || state === 'isolated' || (state === 'half-open' && whenHalfOpen === 'fail')) {
      throw new DependencyCheckError('circuitBreaker', `breaker${label(breaker)} is ${state}`);
    }
    return { observedValue: state, measurement: 'state', componentType: 'component' };
  };

  return Object.freeze({
    check,
    dependency: true,
    componentType: 'component',
    ...(whenOpen === 'warn' ? { defaults: Object.freeze({ critical: false }) } : {}),
  });
}

function stateReader(breaker: unknown): () => State {
  const b = breaker as Record<string, unknown> | null;
  if (b && typeof b === 'object') {
    if (typeof b['opened'] === 'boolean' && typeof b['halfOpen'] === 'boolean') {
      const o = breaker as OpossumBreakerLike;
      return () => (o.opened ? 'open' : o.halfOpen ? 'half-open' : 'closed');
    }
    if (typeof b['state'] === 'number') {
      const c = breaker as CockatielBreakerLike;
      return () => COCKATIEL_STATES[c.state] ?? 'open';
    }
  }
  throw new TypeError(
    `Expected \`breaker\` to be an opossum CircuitBreaker (with \`opened\`, \`halfOpen\`) or a cockatiel CircuitBreakerPolicy (with \`state\`), got \`${b === null || typeof b !== 'object' ? v.describe(b) : 'an object without them'}\``,
  );
}

function label(breaker: unknown): string {
  const name = (breaker as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? ` "${name}"` : '';
}
