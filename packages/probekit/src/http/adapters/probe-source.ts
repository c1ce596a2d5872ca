import type { ProbeRequest, ProbeResponse } from '../render.js';
import { matchProbePath } from '../render.js';

/** What an adapter needs from the health: `Health` (from `createHealth()`) fits. */
export interface ProbeSource {
  /** Renders the answer to a probe request from the current snapshot, on the calling thread. */
  render(request: ProbeRequest): ProbeResponse;
}

/** True when the request-target (path and query) is a probe endpoint the adapter must answer. */
export function isProbeUrl(url: string): boolean {
  const q = url.indexOf('?');
  return matchProbePath(q < 0 ? url : url.slice(0, q)) !== undefined;
}

/** Throws a clear error when the first argument is not the health. */
export function assertProbeSource(what: string, health: unknown): asserts health is ProbeSource {
  if (health === null || typeof health !== 'object' || typeof (health as ProbeSource).render !== 'function') {
    throw new TypeError(`Expected the first argument of ${what} to be the health (createHealth()), got \`${health === null ? 'null' : typeof health}\``);
  }
}
