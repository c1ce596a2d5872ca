/**
 * `probekit-cli lint <files|dirs|->`: probe mistakes in Kubernetes manifests, or with `--live <url>` in
 * a running probekit service. Exit 0 clean, 1 findings at or above --fail-on, 2 bad input.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO } from 'probekit/internal';

/** The Kubernetes releases of the bundled schemas, newest first (manifests/schema.ts); kept here so --help needs no import. */
const SCHEMA_VERSIONS = ['1.36', '1.33'];

const HELP = `Usage: probekit-cli lint <file|dir|->... [options]
       probekit-cli lint --live <probe-server-url> [options]

Checks Kubernetes manifests (multi-document YAML, Helm/kustomize output, kind: List, any kind
with a pod template, and pod template, pod spec or container fragments) for probe mistakes, with
file:line:col and the Kubernetes fact behind each finding (docs/lint.md). Directories are
searched for *.yaml and *.yml; - reads standard input. All inputs are linted as one set, so a
Service in one file selects the pods of a Deployment in another.

Options:
  --format <text|json|sarif>   report format (default text); SARIF 2.1.0 for code scanning
  --json                       same as --format json
  --fail-on <error|warning|note>  exit 1 when a finding is at least this severe (default warning)
  --boot-seconds <n>           boot time to check startup budgets against, where no
                               probekit.dev/boot-seconds annotation declares one
  --drain-seconds <n>          drain time after SIGTERM, where no probekit.dev/drain-seconds
                               annotation declares one
  --kube-version <1.N>         the cluster's Kubernetes version: picks the bundled schema
                               (Kubernetes ${SCHEMA_VERSIONS.join(' or ')}; default ${SCHEMA_VERSIONS[0]}) and
                               decides rules that depend on default feature gates
  --no-schema                  skip validation against the Kubernetes schemas
  --live <url>                 lint a running service's probe server instead of files
  --token <token>              details token for --live (default: $PROBEKIT_DETAILS_TOKEN)
  --manifest <file>            with --live: the manifest whose probes to compare against
  --container <name>           with --live --manifest: which container (default: the first with probes)
  --samples <n>                with --live: requests per endpoint for latency (default 20)
  -h, --help                   show this help

Exit status: 0 clean, 1 findings at or above --fail-on, 2 bad input (unreadable file,
malformed YAML, bad option, unreachable service).
`;

async function collect(target: string, out: string[], explicit: boolean): Promise<void> {
  const info = await stat(target);
  if (info.isDirectory()) {
    const entries = await readdir(target, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const path = join(target, e.name);
      if (e.isDirectory()) await collect(path, out, false);
      else if (/\.ya?ml$/i.test(e.name)) out.push(path);
    }
  } else if (explicit || /\.ya?ml$/i.test(target)) {
    out.push(target);
  }
}

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function seconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new TypeError(`\`${flag}\` must be a whole number of seconds, got \`${text}\``);
  return Number(text);
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const usage = (message: string): number => {
    io.stderr.write(`probekit-cli lint: ${message}\n\n${HELP}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        json: { type: 'boolean' },
        'fail-on': { type: 'string' },
        'boot-seconds': { type: 'string' },
        'drain-seconds': { type: 'string' },
        'no-schema': { type: 'boolean' },
        'kube-version': { type: 'string' },
        live: { type: 'string' },
        token: { type: 'string' },
        manifest: { type: 'string' },
        container: { type: 'string' },
        samples: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const { REPORT_FORMATS, formatJson, formatSarif, formatText } = await import('../lint/format.js');
  const { SEVERITIES, severityRank } = await import('../lint/rule-catalog.js');
  const format = values.json ? 'json' : (values.format ?? 'text');
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) return usage(`\`--format\` must be one of ${REPORT_FORMATS.join(', ')}, got \`${format}\``);
  const failOn = values['fail-on'] ?? 'warning';
  if (!(SEVERITIES as readonly string[]).includes(failOn)) return usage(`\`--fail-on\` must be one of error, warning, note, got \`${failOn}\``);
  let bootSeconds: number | undefined;
  let drainSeconds: number | undefined;
  let samples: number | undefined;
  try {
    bootSeconds = seconds('--boot-seconds', values['boot-seconds']);
    drainSeconds = seconds('--drain-seconds', values['drain-seconds']);
    samples = seconds('--samples', values.samples);
  } catch (error) {
    return usage((error as Error).message);
  }
  if (samples === 0) return usage('`--samples` must be at least 1, got `0`');

  const { lintSources, parseKubeVersion, sortFindings } = await import('../lint/lint.js');
  type Finding = Awaited<ReturnType<typeof lintSources>>['findings'][number];
  const kubeVersion = values['kube-version'];
  if (kubeVersion !== undefined) {
    try {
      parseKubeVersion('--kube-version', kubeVersion);
    } catch (error) {
      return usage((error as Error).message);
    }
  }
  let coverage: { workloads: number; skipped: Readonly<Record<string, number>> } | undefined;
  const findings: Finding[] = [];
  let checked = 0;
  let badInput = false;

  if (values.live !== undefined) {
    if (positionals.length > 0) return usage('`--live` lints a service, not files; use `--manifest <file>` for its manifest');
    let url: URL;
    try {
      url = new URL(values.live);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http');
    } catch {
      return usage(`\`--live\` must be an http(s) URL of the probe server, got \`${values.live}\``);
    }
    const { lintLive } = await import('../lint/live.js');
    let manifest: { text: string; file: string } | undefined;
    if (values.manifest !== undefined) {
      try {
        manifest = { text: await readFile(values.manifest, 'utf8'), file: values.manifest };
      } catch (error) {
        return usage(`cannot read \`${values.manifest}\`: ${(error as Error).message}`);
      }
    }
    const token = values.token ?? io.env['PROBEKIT_DETAILS_TOKEN'];
    const result = await lintLive(url, {
      ...(token !== undefined ? { token } : {}),
      ...(manifest ? { manifest } : {}),
      ...(values.container !== undefined ? { container: values.container } : {}),
      ...(samples !== undefined ? { samples } : {}),
      ...(bootSeconds !== undefined ? { bootSeconds } : {}),
    });
    if (result.unreachable) {
      io.stderr.write(`probekit-cli lint: ${result.unreachable}\n`);
      return 2;
    }
    findings.push(...result.findings);
    checked = 1;
  } else {
    if (positionals.length === 0) return usage('expected files, directories or - (standard input)');
    const files: string[] = [];
    for (const p of positionals) {
      if (p === '-') {
        files.push('-');
        continue;
      }
      try {
        await collect(p, files, true);
      } catch (error) {
        io.stderr.write(`probekit-cli lint: cannot read \`${p}\`: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
        badInput = true;
      }
    }
    const options = {
      ...(bootSeconds !== undefined ? { bootSeconds } : {}),
      ...(drainSeconds !== undefined ? { drainSeconds } : {}),
      ...(values['no-schema'] ? { schema: false } : {}),
      ...(kubeVersion !== undefined ? { kubeVersion } : {}),
    };
    const sources: { text: string; file: string }[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = file === '-' ? await readStdin(io.stdin) : await readFile(file, 'utf8');
      } catch (error) {
        io.stderr.write(`probekit-cli lint: cannot read \`${file}\`: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
        badInput = true;
        continue;
      }
      checked++;
      sources.push({ text, file: file === '-' ? '<stdin>' : file });
    }
    const report = await lintSources(sources, options);
    findings.push(...report.findings);
    coverage = { workloads: report.workloads, skipped: report.skipped };
  }
  sortFindings(findings);
  if (format === 'json') io.stdout.write(formatJson(findings, checked, coverage));
  else if (format === 'sarif') io.stdout.write(formatSarif(findings, await version()));
  else io.stdout.write(formatText(findings, checked, coverage));
  // NOTE: malformed YAML is bad input (2), reported like a finding so it has a position.
  if (badInput || findings.some((f) => f.ruleId === 'yaml-syntax')) return 2;
  const threshold = severityRank(failOn as 'error' | 'warning' | 'note');
  return findings.some((f) => severityRank(f.severity) >= threshold) ? 1 : 0;
}

async function version(): Promise<string> {
  const { createRequire } = await import('node:module');
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}
