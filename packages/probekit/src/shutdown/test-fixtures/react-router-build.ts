// A minimal React Router server build, written by hand in the shape `react-router build` emits
// (build/server/index.js), so the Express example can be run without a Vite build: a document
// entry that answers without React, and one resource route (a loader, no component).
import type { ServerBuild } from 'react-router';

const work = {
  // Stands in for real work (a slow query): answers after ?ms= milliseconds.
  loader: async ({ request }: { request: Request }) => {
    const ms = Math.min(Number(new URL(request.url).searchParams.get('ms')) || 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return new Response('done\n');
  },
};

export const build = {
  entry: {
    module: {
      default: (_request: Request, status: number, headers: Headers) => {
        headers.set('Content-Type', 'text/html; charset=utf-8');
        return new Response('<!DOCTYPE html><p>hello from react router</p>', { status, headers });
      },
    },
  },
  routes: {
    root: { id: 'root', path: '', module: { default: () => null } },
    'routes/work': { id: 'routes/work', parentId: 'root', path: 'work', module: work },
  },
  assets: {
    entry: { imports: [], module: '/assets/entry.js' },
    routes: {
      root: { id: 'root', path: '', module: '/assets/root.js', hasAction: false, hasLoader: false, hasClientAction: false, hasClientLoader: false, hasClientMiddleware: false, hasErrorBoundary: false },
      'routes/work': { id: 'routes/work', parentId: 'root', path: 'work', module: '/assets/work.js', hasAction: false, hasLoader: true, hasClientAction: false, hasClientLoader: false, hasClientMiddleware: false, hasErrorBoundary: false },
    },
    url: '/assets/manifest.js',
    version: 'fixture',
  },
  publicPath: '/',
  assetsBuildDirectory: 'build/client',
  future: {},
  ssr: true,
  isSpaMode: false,
  prerender: [],
  routeDiscovery: { mode: 'lazy', manifestPath: '/__manifest' },
} as unknown as ServerBuild;
