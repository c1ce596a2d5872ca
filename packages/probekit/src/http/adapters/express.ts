import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { assertProbeSource, isProbeUrl, type ProbeSource } from './probe-source.js';


/**
 * Express 5 middleware answering the probe endpoints (all methods, so other methods get 405);
 * every other path goes on to the app. Mount it first: `app.use(probes(health))`. Under a prefix
 * (`app.use('/ops', probes(health))`) the probes live at `/ops/readyz`.
 */
export function probes(health: ProbeSource): RequestHandler {
  assertProbeSource('probes()', health);
  return (req: Request, res: Response, next: NextFunction): void => {
    // NOTE: req.url is relative to the mount point in Express; req.originalUrl is not.
    if (!isProbeUrl(req.url)) {
      next();
      return;
    }
    const response = health.render({ method: req.method, url: req.url, accept: req.headers.accept, authorization: req.headers.authorization });
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  };
}
