import type { MiddlewareHandler } from 'hono';
import type { ProbeRequest } from '../render.js';
import { assertProbeSource, isProbeUrl, type ProbeSource } from './probe-source.js';


/** Hono 4 middleware answering the probe endpoints: `app.use(probes(health))`. */
export function probes(health: ProbeSource): MiddlewareHandler {
  assertProbeSource('probes()', health);
  return async (c, next) => {
    const url = targetOf(c.req.url);
    if (!isProbeUrl(url)) {
      await next();
      return;
    }
    return answer(health, c.req.raw, url);
  };
}

/**
 * Wraps any fetch-style handler (Hono's `app.fetch`, Bun, Deno, itty, ...): probe paths are answered,
 * every other request goes to the handler with its extra arguments (env, execution context).
 */
export function withProbes<Rest extends unknown[]>(
  health: ProbeSource,
  handler: (request: Request, ...rest: Rest) => Response | Promise<Response>,
): (request: Request, ...rest: Rest) => Response | Promise<Response> {
  assertProbeSource('withProbes()', health);
  if (typeof handler !== 'function') throw new TypeError('Expected the second argument of withProbes() to be a fetch handler (request) => Response');
  return (request, ...rest) => {
    const url = targetOf(request.url);
    return isProbeUrl(url) ? answer(health, request, url) : handler(request, ...rest);
  };
}

function answer(health: ProbeSource, request: Request, url: string): Response {
  const probe: ProbeRequest = {
    method: request.method,
    url,
    accept: request.headers.get('accept') ?? undefined,
    authorization: request.headers.get('authorization') ?? undefined,
  };
  const response = health.render(probe);
  return new Response(request.method === 'HEAD' ? null : response.body, { status: response.status, headers: response.headers });
}

function targetOf(href: string): string {
  const url = new URL(href);
  return url.pathname + url.search;
}
