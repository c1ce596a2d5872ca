// Shared by every benchmark server: the "application" side (its own port) and the hand-shake with the runner.
// The app port serves:
//   /work        20 ms of synchronous CPU work per request (saturates the main loop under load)
//   /block?ms=N  blocks the main loop for N ms, answering afterwards (a stuck event loop)
//   /stats       { depCalls } — how often the dependency check ran (scenario 3)
// Env: DEP_MS — how long the dependency check takes (0 = instant).
import { createServer } from 'node:http';

export const depMs = Number(process.env.DEP_MS ?? 0);
export const stats = { depCalls: 0 };

/** The dependency check every contender registers on readiness; counts its own runs. */
export async function dependency() {
  stats.depCalls++;
  if (depMs > 0) await new Promise((resolve) => setTimeout(resolve, depMs));
}

function spin(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

export function startApp() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/work') {
      spin(20);
      res.end('worked');
    } else if (url.pathname === '/block') {
      // Answer first so the runner knows when the block starts, then block.
      res.end('blocking');
      const ms = Number(url.searchParams.get('ms') ?? 1000);
      setImmediate(() => spin(ms));
    } else if (url.pathname === '/stats') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(stats));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Tells the runner where to knock: one JSON line on stdout. */
export function announce({ probePort, appPort, live, ready }) {
  process.stdout.write(`${JSON.stringify({ probePort, appPort, live, ready })}\n`);
}
