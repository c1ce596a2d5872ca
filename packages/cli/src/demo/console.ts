import { evaluate } from 'probekit/internal';
import type { DemoService } from './service.js';
import { describeFault } from './service.js';

/** The keys the demo reads from a terminal, each with the fault it applies. */
export const KEYS = [
  { key: 's', fault: 'slow', ms: 2000, says: 'datastore slow (readiness fails)' },
  { key: 'd', fault: 'down', ms: 0, says: 'datastore down (readiness fails)' },
  { key: 'b', fault: 'block', ms: 3000, says: 'block the event loop 3 s (liveness fails, probes still answer)' },
  { key: 'h', fault: 'hang-job', ms: 0, says: 'hang the job (liveness fails after 5 s)' },
  { key: 'c', fault: 'clear', ms: 0, says: 'clear every fault' },
] as const;

/** The lines printed once the demo listens. */
export function banner(demo: DemoService, detailsToken: string, warmupSeconds: number, interactive: boolean): string {
  const p = demo.probesUrl;
  return [
    `probekit-cli demo`,
    `  app     ${demo.appUrl}/   (faults: POST /admin/fault/{slow,down,block,hang-job,clear})`,
    `  probes  ${p}/livez  ${p}/readyz  ${p}/startupz  ${p}/healthz   (thread: ${demo.thread})`,
    `  details curl -H 'Authorization: Bearer ${detailsToken}' '${p}/readyz?verbose'`,
    `  status  ${p}/statusz?token=${encodeURIComponent(detailsToken)}   (live status page)`,
    `  store   ${demo.storeAddress}`,
    `  warm-up ${warmupSeconds} s: /startupz and /readyz fail until it is done`,
    interactive
      ? `  keys    ${KEYS.map((k) => `[${k.key}] ${k.says}`).join(', ')}, [q] graceful shutdown`
      : `  keys    none (stdin is not a terminal): use the POST /admin/fault/... routes; SIGTERM shuts down gracefully`,
    '',
  ].join('\n');
}

/** One line: each probe's verdict with the failing checks' reasons, the job's beats, requests, the fault. */
export function statusLine(demo: DemoService): string {
  const snapshot = demo.health.snapshot();
  const blocked = demo.health.loopBlockedMs();
  const mark = (probe: 'startup' | 'liveness' | 'readiness'): string => {
    const verdict = evaluate(snapshot, probe, { loopBlockedMs: blocked });
    const failing = verdict.lines.filter((l) => l.status === 'fail').map((l) => `${l.name}: ${l.reason ?? 'failed'}`);
    return `${probe} ${verdict.ok ? 'ok' : `FAIL (${failing.join('; ')})`}`;
  };
  const fault = describeFault(demo.store?.fault, demo.state);
  return `${mark('startup')} | ${mark('liveness')} | ${mark('readiness')} | job beats ${demo.state.beats} | requests ${demo.state.requests}${fault ? ` | fault: ${fault}` : ''}`;
}

/**
 * Prints the status every 250 ms: rewritten in place when `live` (a terminal, without --no-status),
 * otherwise a timestamped line whenever a verdict, reason or fault changes. Returns a stop function.
 */
export function showStatus(demo: DemoService, out: NodeJS.WritableStream, live: boolean): () => void {
  const tty = out as NodeJS.WriteStream;
  let last = '';
  const timer = setInterval(() => {
    const line = statusLine(demo);
    if (live) {
      out.write(`\r\x1b[2K${line.slice(0, (tty.columns || 200) - 1)}`);
      return;
    }
    const changed = line.replace(/job beats \d+ \| requests \d+/, '');
    if (changed !== last) out.write(`${new Date().toISOString()} ${line}\n`);
    last = changed;
  }, 250);
  return () => clearInterval(timer);
}

/** Reads fault keys from a terminal; `q` or Ctrl-C calls `quit`. Returns a stop function (undefined when stdin is no terminal). */
export function readKeys(demo: DemoService, input: NodeJS.ReadableStream, quit: () => void): (() => void) | undefined {
  const stdin = input as NodeJS.ReadStream;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return undefined;
  stdin.setRawMode(true);
  stdin.resume();
  const onKey = (key: Buffer): void => {
    const k = key.toString();
    const entry = KEYS.find((e) => e.key === k);
    if (entry) void demo.fault(entry.fault, entry.ms);
    else if (k === 'q' || k === '\u0003') quit();
  };
  stdin.on('data', onKey);
  return () => {
    stdin.off('data', onKey);
    stdin.setRawMode(false);
    stdin.pause();
  };
}
