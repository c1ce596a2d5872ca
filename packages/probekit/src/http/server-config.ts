import type { Server } from 'node:http';

/**
 * Settings for a server that only answers probes: the kubelet opens a new connection per probe
 * and reads a small body, so nothing should hold a socket for long.
 */
export function configureProbeServer(server: Server): void {
  server.keepAliveTimeout = 1000;
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  server.maxHeadersCount = 64;
}
