import type { HealthSnapshot } from '../engine/types.js';
import { render, wantsJson, type ProbeRequest, type ProbeResponse, type RenderContext } from './render.js';

const MAX_CACHED = 256;

/**
 * `render` with the answers for anonymous requests memoized per snapshot: a probe on an unchanged
 * snapshot costs a map lookup. Answers that depend on time (details, a blocked loop) are never cached.
 */
export function createRenderer(): (snapshot: HealthSnapshot, request: ProbeRequest, context: RenderContext) => ProbeResponse {
  let cachedFor: HealthSnapshot | undefined;
  const cache = new Map<string, ProbeResponse>();
  return (snapshot, request, context) => {
    if (snapshot !== cachedFor) {
      cache.clear();
      cachedFor = snapshot;
    }
    if ((context.detailsToken && request.authorization) || !loopWithinBounds(snapshot, context.loopBlockedMs)) {
      return render(snapshot, request, context);
    }
    const key = `${request.method} ${wantsJson(request.accept) ? 'j' : 't'} ${request.url}`;
    let response = cache.get(key);
    if (!response) {
      response = render(snapshot, request, context);
      if (cache.size < MAX_CACHED) cache.set(key, response);
    }
    return response;
  };
}

/** The loop is within the snapshot's bounds: the anonymous answers do not depend on how long it was blocked. */
export function loopWithinBounds(snapshot: HealthSnapshot, blockedMs: number): boolean {
  if (blockedMs <= 0) return true;
  if (snapshot.maxBlockMs > 0 && blockedMs > snapshot.maxBlockMs) return false;
  if (snapshot.maxLagMs > 0 && blockedMs > snapshot.maxLagMs) return false;
  return true;
}
