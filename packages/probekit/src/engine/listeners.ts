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

/**
 * The one event emitter of the engine and the shutdown: a fixed set of event names (an unknown one
 * throws a TypeError listing them), listeners called by emitSafely.
 */
export class Emitter<E extends { [K in keyof E]: (payload: never) => void }> {
  readonly #listeners = new Map<keyof E, Set<E[keyof E]>>();

  constructor(events: readonly (keyof E & string)[]) {
    for (const event of events) this.#listeners.set(event, new Set());
  }

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    const set = this.#listeners.get(event);
    if (!set) throw new TypeError(`Unknown event \`${String(event)}\`; expected one of ${[...this.#listeners.keys()].map((k) => `\`${String(k)}\``).join(', ')}`);
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof E>(event: K, payload: Parameters<E[K]>[0]): void {
    const set = this.#listeners.get(event);
    if (set) emitSafely(set as unknown as Set<(p: typeof payload) => void>, payload);
  }
}
