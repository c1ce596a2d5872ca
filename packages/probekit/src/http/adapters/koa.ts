import type { Middleware } from 'koa';
import { assertProbeSource, isProbeUrl, type ProbeSource } from './probe-source.js';


/** Koa 3 middleware answering the probe endpoints; every other request goes on down the stack. */
export function probes(health: ProbeSource): Middleware {
  assertProbeSource('probes()', health);
  return async (ctx, next) => {
    if (!isProbeUrl(ctx.url)) {
      await next();
      return;
    }
    // HEAD is rendered as GET: Koa strips the body of a HEAD response and keeps Content-Length.
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const response = health.render({ method, url: ctx.url, accept: ctx.get('accept') || undefined, authorization: ctx.get('authorization') || undefined });
    ctx.status = response.status;
    ctx.set(response.headers);
    ctx.body = response.body;
  };
}
