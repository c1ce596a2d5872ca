/**
 * Calls each listener with `payload`. A listener's bug must not break the emitter; it surfaces as
 * an uncaught error on a later turn, as an EventEmitter's would.
 */
export function emitSafely<P>(listeners: Iterable<(payload: P) => void>, payload: P): void {
  for (const listener of listeners) {
    try {
      listener(payload);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
