import type { CheckFunction } from './types.js';

/**
 * How one run of a check is cancelled. The AbortController, and so the AbortSignal, exist only
 * once `signal` is read: every ordinary check reads it (it is the check's argument), a check made
 * with `takesRunAbort` may never need it.
 *
 * NOTE: on Node 20 creating an AbortSignal costs several microseconds and gives every signal its
 * own hidden class (createAbortSignal swaps the prototype of a new EventTarget;
 * nodejs/node#52408 removed the swap): the lab runs a million checks per simulated day.
 */
export class RunAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #listener: (() => void) | undefined;

  /** A real AbortSignal for this run, created on first use (already aborted if the run was). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  /** What the run was aborted with (a CheckTimeoutError, a HealthClosedError). */
  get reason(): unknown {
    return this.#reason;
  }

  /**
   * Sets the one function called, synchronously, when the run is aborted, at the moment the
   * signal's 'abort' event would be dispatched; `undefined` removes it.
   */
  onAbort(listener: (() => void) | undefined): void {
    this.#listener = listener;
  }

  /** Aborts once: the signal (if one was made) first, then the listener. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

const TAKES_RUN_ABORT = Symbol('probekit.takesRunAbort');

/**
 * Internal to probekit (not exported from the package): a check that is called with its run's
 * `RunAbort` instead of an AbortSignal, so no signal is created unless it asks for one. The lab's
 * simulated dependencies use it; everything else about the run (schedule, timeout, thresholds,
 * one run in flight) is the same code.
 */
export function takesRunAbort(fn: (run: RunAbort) => unknown): CheckFunction {
  const check = (arg: AbortSignal): unknown => fn(arg as unknown as RunAbort);
  Object.defineProperty(check, TAKES_RUN_ABORT, { value: true });
  return check;
}

/** Whether `fn` was made by `takesRunAbort`. */
export function isRunAbortCheck(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [TAKES_RUN_ABORT]?: unknown })[TAKES_RUN_ABORT] === true;
}
