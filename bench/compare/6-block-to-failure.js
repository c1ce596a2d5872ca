import { setTimeout as sleep } from 'node:timers/promises';
import { rounds, contenders, startServer, probe, get, median, fmt, range, log, rotate, verdict } from '../lib/common.js';

// 6. Time from a main-loop block to the first failing /livez answer.
export async function measure() {
  const blockMs = 3000;
  const maxBlockMs = 1000;
  log(`6. block to failing /livez: ${contenders.length} contenders × ${rounds} rounds, ${blockMs} ms block`);
  const results = new Map(contenders.map((c) => [c.name, { fail: [], firstAnswer: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const c of rotate(contenders, round)) {
      const s = await startServer(c, { MAX_BLOCK_MS: String(maxBlockMs) });
      try {
        await sleep(300);
        const blocked = await get(s.appPort, `/block?ms=${blockMs}`);
        const blockStart = blocked.end; // the server answers, then blocks on the next turn of its loop
        const answers = [];
        const pending = [];
        while (performance.now() < blockStart + blockMs + 500) {
          pending.push(probe(s.probePort, s.live, 5000).then((r) => answers.push(r)));
          await sleep(25);
        }
        await Promise.all(pending);
        const row = results.get(c.name);
        const failing = answers.filter((a) => a.status !== 200 && a.status !== 0).sort((a, b) => a.end - b.end)[0];
        row.fail.push(failing ? failing.end - blockStart : undefined);
        const first = answers.filter((a) => a.start >= blockStart && a.status !== 0).sort((a, b) => a.end - b.end)[0];
        row.firstAnswer.push(first ? first.end - blockStart : undefined);
        log(`   round ${round + 1} ${c.name}: first failing answer ${failing ? fmt(failing.end - blockStart) + ' ms' : 'none'}, first answer ${first ? fmt(first.end - blockStart) + ' ms' : 'none'} after the block began`);
      } finally {
        s.stop();
      }
    }
  }
  const lines = [
    `### 6. Main-loop block → first failing /livez (target: maxBlockMs + 100 ms = ${maxBlockMs + 100} ms)`,
    '',
    `The app blocks its main loop for ${blockMs} ms; a liveness probe is sent every 25 ms on a fresh connection. probekit runs with \`maxBlockMs: ${maxBlockMs}\`. Times are from the start of the block; median (min–max) of ${rounds} rounds. "none" = no failing answer at all: the peers answer nothing until the loop unblocks, then answer 200.`,
    '',
    '| contender | first failing answer, ms | first answer to a probe sent during the block, ms |',
    '|---|---:|---:|',
  ];
  const cell = (xs) => {
    const got = xs.filter((x) => x !== undefined);
    if (got.length === 0) return 'none';
    return `${fmt(median(got))} (${range(got)})${got.length < xs.length ? ` — none in ${xs.length - got.length} of ${xs.length} rounds` : ''}`;
  };
  for (const c of contenders) {
    const r = results.get(c.name);
    lines.push(`| ${c.name} | ${cell(r.fail)} | ${cell(r.firstAnswer)} |`);
  }
  const wf = results.get(contenders[0].name).fail;
  const worstFail = wf.some((x) => x === undefined) ? Infinity : Math.max(...wf);
  lines.push('', verdict(worstFail <= maxBlockMs + 100, `the worker thread's slowest first failing answer is ${Number.isFinite(worstFail) ? `${fmt(worstFail)} ms` : 'missing in some round'} (target ≤ ${maxBlockMs + 100} ms). Main-thread mode and every peer cannot answer while their loop is blocked.`));
  return (lines.join('\n'));
}
