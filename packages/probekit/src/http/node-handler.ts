import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProbeRequest, ProbeResponse } from './render.js';

/** The parts of a node:http request that a probe answer depends on. */
export function probeRequestOf(req: IncomingMessage): ProbeRequest {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    accept: req.headers.accept,
    authorization: req.headers.authorization,
  };
}

/** Writes a rendered answer; `Connection: close` is left to the server (the kubelet never keeps alive). */
export function writeResponse(res: ServerResponse, response: ProbeResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/** A fetch-style Response from a rendered answer. */
export function toFetchResponse(method: string, response: ProbeResponse): Response {
  return new Response(method === 'HEAD' ? null : response.body, { status: response.status, headers: response.headers });
}

/** The request-target of a fetch Request: path and query. */
export function requestTargetOf(request: Request): string {
  const url = new URL(request.url);
  return url.pathname + url.search;
}
