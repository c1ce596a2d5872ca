import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { assertProbeSource, isProbeUrl, type ProbeSource } from './probe-source.js';

export type { ProbeSource } from './probe-source.js';

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/** A handler for node:http, https and the http2 compatibility API. */
export type NodeHandler<Req extends AnyRequest = IncomingMessage, Res extends AnyResponse = ServerResponse> = (req: Req, res: Res) => void;

/**
 * A `(req, res, next?)` handler answering the probe endpoints: other paths go to `next()` (connect
 * style), or get a 404 when there is no `next`.
 */
export function probeHandler(health: ProbeSource): <Req extends AnyRequest, Res extends AnyResponse>(req: Req, res: Res, next?: () => void) => void {
  assertProbeSource('probeHandler()', health);
  return (req, res, next) => {
    const url = req.url ?? '/';
    if (next && !isProbeUrl(url)) {
      next();
      return;
    }
    answer(health, req, res);
  };
}

/** Wraps the app's handler: probe paths are answered, every other request goes to the app. */
export function withProbes<Req extends AnyRequest, Res extends AnyResponse>(health: ProbeSource, app: (req: Req, res: Res) => unknown): (req: Req, res: Res) => void {
  assertProbeSource('withProbes()', health);
  if (typeof app !== 'function') throw new TypeError('Expected the second argument of withProbes() to be the app\'s request handler (req, res) => …');
  return (req, res) => {
    if (isProbeUrl(req.url ?? '/')) answer(health, req, res);
    else void app(req, res);
  };
}

function answer(health: ProbeSource, req: AnyRequest, res: AnyResponse): void {
  const response = health.render({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    accept: req.headers.accept,
    authorization: req.headers.authorization,
  });
  (res as ServerResponse).writeHead(response.status, response.headers);
  res.end(response.body);
}
