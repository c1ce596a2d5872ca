import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { shutdownOn, type Shutdown, type ShutdownHealth } from '../../shutdown/shutdown.js';
import type { ShutdownOptions } from '../../shutdown/options.js';
import { PATH_TARGETS } from '../endpoints.js';
import { assertProbeSource, isProbeUrl, type ProbeSource } from './probe-source.js';


/** Options of the Fastify plugin. */
export interface ProbesPluginOptions {
  /** The health from `createHealth()`. */
  readonly health: ProbeSource;
}

// Every method, so that the contract's 405 + Allow comes from render and not Fastify's 404.
const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/**
 * Fastify 5 plugin: declares the probe routes (`/livez`, `/readyz`, `/startupz`, `/healthz` and
 * `/<probe>/:check`) for every method. `app.register(probes, { health })`.
 */
export const probes: FastifyPluginCallback<ProbesPluginOptions> = (instance, options, done) => {
  const health = options?.health;
  assertProbeSource('the probekit Fastify plugin (option `health`)', health);
  const prefix = instance.prefix;
  const handler = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    // NOTE: the raw URL keeps the query and the percent-encoding render expects; a register() prefix is cut off.
    const raw = request.raw.url ?? '/';
    const url = prefix && raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
    // `/readyz/` matches `/readyz/:check` with an empty check; it is not a probe path, so it is the app's 404.
    if (!isProbeUrl(url)) {
      reply.callNotFound();
      return reply;
    }
    const response = health.render({ method: request.method, url, accept: request.headers.accept, authorization: request.headers.authorization });
    // A Buffer, because Fastify appends `; charset=utf-8` to a JSON type sent as a string.
    return reply.code(response.status).headers(response.headers).send(Buffer.from(response.body));
  };
  for (const path of Object.keys(PATH_TARGETS)) {
    for (const url of [path, `${path}/:check`]) {
      instance.route({ method: METHODS, url, exposeHeadRoute: false, handler });
    }
  }
  done();
};

/**
 * Installs the shutdown with the Fastify server drained and `app.close()` (its onClose hooks) run
 * as the last cleanup hook.
 */
export function shutdownFastify(health: ShutdownHealth, app: FastifyInstance, options: ShutdownOptions = {}): Shutdown {
  return shutdownOn(health, {
    ...options,
    servers: [...(options.servers ?? []), app.server],
    hooks: [{ name: 'fastify.close()', run: () => app.close() }, ...(options.hooks ?? [])],
  });
}
