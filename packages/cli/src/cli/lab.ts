import { access, readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Scenario } from '../lab/scenario/scenario.js';
import type { LabProgress, LabResult } from '../lab/simulate.js';
import type { CliIO } from 'probekit/internal';

const USAGE = `Usage: probekit-cli lab <scenario> [options]
       probekit-cli lab --compare <a> <b> [options]
       probekit-cli lab run [scenario] [--dependency name=host:port]... [options] -- <command> [args...]
       probekit-cli lab list

Simulates what the kubelet does to your pods under faults, in virtual time.
<scenario> is a YAML file or the name of a shipped scenario (see \`probekit-cli lab list\`).

Options:
  --compare        run b under a's fault timeline (and seed, duration); show both side by side
  --json           print the whole result as JSON
  --html <file>    write a self-contained HTML report with an SVG timeline per pod
  --width <n>      columns of the terminal timeline (default 72)
  --seed <n>       override the scenario's seed
  --dependency     real mode: name=host:port of a scenario dependency, or name=embedded for
                   probekit's embedded datastore (the demo's; PING/INCR, a Redis subset); a fault
                   proxy goes in front and the replicas get LAB_DEPENDENCY_<NAME>=host:port
                   (repeatable; required for every dependency the scenario's faults hit)
  --verbose        real mode: print the replicas' output
  -h, --help       show this help

Real mode starts each replica as <command> with PORT (app) and PROBEKIT_PORT (probe server) set,
probes /startupz, /livez, /readyz over HTTP with kubelet semantics, sends real SIGTERM/SIGKILL,
and restarts with CrashLoopBackOff, in real time. The scenario defaults to redis-blip. Try:
  probekit-cli lab run redis-blip --dependency redis=embedded -- probekit-cli demo

Exit codes: 0 simulated, 2 usage or scenario error.
`;

/** Where the shipped scenarios live (package root `scenarios/`). */
const SHIPPED = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export async function run(argv: string[], io: CliIO): Promise<number> {
  const dashes = argv.indexOf('--');
  const command = dashes === -1 ? [] : argv.slice(dashes + 1);
  const args = dashes === -1 ? argv : argv.slice(0, dashes);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        compare: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        html: { type: 'string' },
        width: { type: 'string' },
        seed: { type: 'string' },
        dependency: { type: 'string', multiple: true },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr.write(`probekit-cli lab: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] === 'list') {
    const names = (await readdir(SHIPPED)).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
    io.stdout.write(`${names.join('\n')}\n`);
    return 0;
  }
  const real = positionals[0] === 'run';
  if (real) {
    positionals.shift();
    if (positionals.length === 0) positionals.push('redis-blip');
    if (command.length === 0) {
      io.stderr.write(`probekit-cli lab run: expected \`-- <command> [args...]\` to start one replica\n\n${USAGE}`);
      return 2;
    }
    if (values.compare) {
      io.stderr.write('probekit-cli lab run: --compare runs only in the simulation\n');
      return 2;
    }
  } else if (command.length > 0) {
    io.stderr.write(`probekit-cli lab: a command after \`--\` needs \`probekit-cli lab run\`\n`);
    return 2;
  }
  // Keyed by names from the command line: without a prototype, `constructor` is a name like any other.
  const dependencies: Record<string, { host: string; port: number } | 'embedded'> = Object.create(null) as Record<string, { host: string; port: number } | 'embedded'>;
  for (const spec of values.dependency ?? []) {
    const match = /^([A-Za-z0-9_.-]+)=(?:(embedded)|([^:]+):(\d{1,5}))$/.exec(spec);
    if (!match || Number(match[4] ?? 0) > 65535) {
      io.stderr.write(`probekit-cli lab: expected \`--dependency\` as name=host:port or name=embedded, got \`${spec}\`\n`);
      return 2;
    }
    dependencies[match[1]!] = match[2] ? 'embedded' : { host: match[3]!, port: Number(match[4]) };
  }
  const wanted = values.compare ? 2 : 1;
  if (positionals.length !== wanted) {
    io.stderr.write(`probekit-cli lab: expected ${wanted === 2 ? 'two scenarios with --compare' : 'one scenario'}, got ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const width = values.width === undefined ? 72 : Number(values.width);
  if (!Number.isInteger(width) || width < 20 || width > 400) {
    io.stderr.write(`probekit-cli lab: expected \`--width\` to be an integer from 20 to 400, got \`${values.width}\`\n`);
    return 2;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) {
    io.stderr.write(`probekit-cli lab: expected \`--seed\` to be a non-negative integer, got \`${values.seed}\`\n`);
    return 2;
  }

  const { loadScenario } = await import('../lab/scenario/load-scenario.js');
  const { simulate } = await import('../lab/simulate.js');
  const { configuration, formatSummary, formatTimeline } = await import('../lab/report/report-text.js');
  const { renderHtml } = await import('../lab/report/report-html.js');
  const { underSameFaults, formatComparison } = await import('../lab/report/compare.js');

  let scenarios;
  try {
    scenarios = await Promise.all(positionals.map(async (p) => loadScenario(await locate(p))));
    if (seed !== undefined) scenarios = scenarios.map((s) => ({ ...s, seed }));
    if (scenarios.length === 2) scenarios = [scenarios[0]!, underSameFaults(scenarios[0]!, scenarios[1]!)];
  } catch (error) {
    io.stderr.write(`probekit-cli lab: ${(error as Error).message}\n`);
    return 2;
  }
  const results: LabResult[] = [];
  if (real) {
    const scenario = scenarios[0]!;
    const unmapped = [...new Set(scenario.faults.flatMap((f) => (f.target === 'dependency' && !(f.dependency in dependencies) ? [f.dependency] : [])))];
    if (unmapped.length > 0) {
      const names = unmapped.map((d) => `\`--dependency ${d}=host:port\` (or \`${d}=embedded\`)`).join(', ');
      io.stderr.write(`probekit-cli lab run: the scenario's faults hit ${unmapped.map((d) => `\`${d}\``).join(', ')}; say where it is: ${names}\n`);
      return 2;
    }
    const result = await runRealMode(scenario, command, dependencies, values.verbose, io);
    if (typeof result === 'number') return result;
    results.push(result);
  } else {
    for (const scenario of scenarios) results.push(await simulate(scenario));
  }

  if (values.html !== undefined) await writeFile(values.html, renderHtml(results));
  if (values.json) {
    io.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : { compare: results }, null, 2)}\n`);
    return 0;
  }
  if (results.length === 2) {
    io.stdout.write(`${formatComparison(results[0]!, results[1]!)}\n`);
    // Each timeline says which configuration it is.
    for (const r of results) io.stdout.write(`${r.scenario.name} (${configuration(r)}):\n${formatTimeline(r, width)}\n`);
  } else {
    io.stdout.write(`${formatSummary(results[0]!)}\n${formatTimeline(results[0]!, width)}`);
  }
  if (values.html !== undefined) io.stdout.write(`\nHTML report: ${values.html}\n`);
  return 0;
}

/** Real mode: embedded datastores started for `name=embedded`, the run, and everything stopped after; an exit code after an error it reported or an interruption. */
async function runRealMode(
  scenario: Scenario,
  command: string[],
  wanted: Record<string, { host: string; port: number } | 'embedded'>,
  verbose: boolean,
  io: CliIO,
): Promise<LabResult | number> {
  const { runReal } = await import('../lab/real/real.js');
  const { EmbeddedDatastore } = await import('../demo/datastore.js');
  const stores: InstanceType<typeof EmbeddedDatastore>[] = [];
  const dependencies: Record<string, { host: string; port: number }> = {};
  // ^C or SIGTERM during the run: stop every replica (their process groups) and the datastores, then exit.
  const interrupt = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => [signal, () => interrupt.abort(signal)] as const);
  for (const [signal, handler] of handlers) process.once(signal, handler);
  try {
    for (const [name, target] of Object.entries(wanted)) {
      if (target !== 'embedded') {
        dependencies[name] = target;
        continue;
      }
      const store = new EmbeddedDatastore();
      stores.push(store);
      dependencies[name] = { host: '127.0.0.1', port: await store.start(0) };
      io.stderr.write(`probekit-cli lab run: \`${name}\` is an embedded datastore on 127.0.0.1:${dependencies[name].port}\n`);
    }
    io.stderr.write(`probekit-cli lab run: ${scenario.name}, ${scenario.replicas} replicas of \`${command.join(' ')}\` for ${scenario.durationMs / 1000} s of real time\n`);
    const progress = isTerminal(io.stderr) ? progressLine(io.stderr) : undefined;
    try {
      return await runReal(scenario, {
        command: command[0]!,
        args: command.slice(1),
        dependencies,
        signal: interrupt.signal,
        ...(progress ? { progress: progress.update } : {}),
        log: (line) => {
          if (!verbose && !line.startsWith('lab:')) return;
          progress?.clear();
          io.stderr.write(`${line}\n`);
        },
      });
    } finally {
      progress?.clear();
    }
  } catch (error) {
    if (interrupt.signal.aborted) {
      io.stderr.write(`probekit-cli lab run: interrupted by ${String(interrupt.signal.reason)}; every replica was stopped\n`);
      return interrupt.signal.reason === 'SIGINT' ? 130 : 143;
    }
    io.stderr.write(`probekit-cli lab run: ${(error as Error).message}\n`);
    return 2;
  } finally {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    await Promise.all(stores.map((s) => s.stop()));
  }
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** One line on a terminal, rewritten every second: elapsed / total, ready pods, restarts, requests failed. */
function progressLine(stream: NodeJS.WritableStream): { update: (p: LabProgress) => void; clear: () => void } {
  let shown = false;
  return {
    update: (p) => {
      const text = `${Math.round(p.elapsedMs / 1000)}/${Math.round(p.durationMs / 1000)} s  ready ${p.ready}/${p.replicas}  restarts ${p.restarts}  requests failed ${p.requestsFailed}`;
      stream.write(`\r\x1b[2K${text}`);
      shown = true;
    },
    clear: () => {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** A path as given, else a shipped scenario by name. */
async function locate(name: string): Promise<string> {
  try {
    await access(name);
    return name;
  } catch {
    const shipped = `${SHIPPED}${name.replace(/\.ya?ml$/, '')}.yaml`;
    try {
      await access(shipped);
      return shipped;
    } catch {
      throw new Error(`no scenario file \`${name}\` and no shipped scenario of that name (see \`probekit-cli lab list\`)`);
    }
  }
}
