// A minimal Next.js app with probekit: see docs/nextjs.md.
import { fileURLToPath } from 'node:url';

/** @type {import('next').NextConfig} */
const nextConfig = {
  // probekit starts a worker thread for its probe server: load it from node_modules, not from the bundle.
  serverExternalPackages: ['probekit'],
  // In this repository probekit is a workspace package linked from ../../packages; a standalone app needs no root.
  turbopack: { root: fileURLToPath(new URL('../..', import.meta.url)) },
};
export default nextConfig;
