#!/usr/bin/env node
// Lints a local corpus of manifests and prints the docs/lint.md table: files, lines, workloads,
// time, findings per rule and severity, and (with --verdicts) true/false/questionable per finding.
//
//   npx tsc -b && node packages/cli/scripts/lint-corpus.js <dir> [--verdicts verdicts.json]
//
// verdicts.json maps "<file relative to dir>:<line>:<rule-id>" to { "verdict": "true" | "false" |
// "questionable", "reason": "..." }. The corpus itself is not in the repository: gather your own.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { lintSources } from '../dist/lint/lint.js';

async function yamlFiles(dir) {
  const out = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(path)));
    else if (/\.ya?ml$/i.test(e.name)) out.push(path);
  }
  return out;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { verdicts: { type: 'string' } } });
const dir = positionals[0];
if (dir === undefined) {
  process.stderr.write('usage: lint-corpus.js <dir> [--verdicts verdicts.json]\n');
  process.exitCode = 2;
} else {
  const files = await yamlFiles(dir);
  const sources = await Promise.all(files.map(async (file) => ({ file: relative(dir, file), text: await readFile(file, 'utf8') })));
  const lines = sources.reduce((n, s) => n + s.text.split('\n').length - (s.text.endsWith('\n') ? 1 : 0), 0);
  const started = performance.now();
  const report = await lintSources(sources);
  const ms = performance.now() - started;
  const verdicts = values.verdicts ? JSON.parse(await readFile(values.verdicts, 'utf8')) : {};
  const key = (f) => `${f.file}:${f.line}:${f.ruleId}`;

  const rows = new Map();
  for (const f of report.findings) {
    const row = rows.get(f.ruleId) ?? { error: 0, warning: 0, note: 0, true: 0, false: 0, questionable: 0, unjudged: 0 };
    row[f.severity]++;
    row[verdicts[key(f)]?.verdict ?? 'unjudged']++;
    rows.set(f.ruleId, row);
  }
  const skipped = Object.entries(report.skipped).map(([k, n]) => `${k} ${n}`).join(', ');
  const out = [
    `${files.length} files, ${lines} lines, ${report.workloads} workloads linted, skipped: ${skipped || 'none'}; ${report.findings.length} findings in ${Math.round(ms)} ms`,
    '',
    '| rule | error | warning | note | true | false | questionable | not judged |',
    '|---|---|---|---|---|---|---|---|',
    ...[...rows].sort(([a], [b]) => a.localeCompare(b)).map(
      ([rule, r]) => `| \`${rule}\` | ${r.error} | ${r.warning} | ${r.note} | ${r.true} | ${r.false} | ${r.questionable} | ${r.unjudged} |`,
    ),
    '',
    ...report.findings.map((f) => {
      const v = verdicts[key(f)];
      return `- ${f.file}:${f.line} ${f.severity} ${f.ruleId}: ${f.message}${v ? ` — **${v.verdict}**: ${v.reason}` : ''}`;
    }),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
