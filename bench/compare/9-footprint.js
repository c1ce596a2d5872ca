// 9. Install footprint: what each library costs a production image. For each, an empty project
// runs `npm install --omit=dev` of the library as a user would (probekit: the tarball `npm pack`
// makes of packages/probekit; the peers: from the registry) and we count the packages installed and
// their size on disk. Work happens in bench/results/footprint/ (git-ignored).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, verdict } from '../lib/common.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = join(root, 'bench/results/footprint');

const npm = (cwd, args) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Bytes of the files under dir (symlinks not followed). */
function bytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytes(path);
    else if (entry.isFile()) total += statSync(path).size;
    else if (entry.isSymbolicLink()) total += lstatSync(path).size;
  }
  return total;
}

/** Package names installed under node_modules (nested ones too). */
function packages(modules) {
  const names = [];
  if (!existsSync(modules)) return names;
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(join(modules, entry.name))) {
        names.push(`${entry.name}/${scoped}`, ...packages(join(modules, entry.name, scoped, 'node_modules')));
      }
    } else names.push(entry.name, ...packages(join(modules, entry.name, 'node_modules')));
  }
  return names;
}

function measure1(name, spec) {
  const dir = join(work, name.replace(/[@/]/g, '_'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'footprint-probe', version: '1.0.0', private: true }));
  npm(dir, ['install', '--omit=dev', '--no-audit', '--no-fund', '--no-package-lock', spec]);
  const modules = join(dir, 'node_modules');
  const installed = packages(modules);
  const version = JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version;
  return { name, version, packages: installed.length, bytes: bytes(modules), others: installed.filter((p) => p !== name) };
}

export async function measure() {
  log('9. install footprint: npm install --omit=dev into an empty project, 4 libraries');
  mkdirSync(work, { recursive: true });
  const tarball = npm(join(root, 'packages/probekit'), ['pack', '--pack-destination', work, '--silent']).trim().split('\n').pop();
  const results = [
    measure1('probekit', join(work, tarball)),
    measure1('@godaddy/terminus', '@godaddy/terminus'),
    measure1('lightship', 'lightship'),
    measure1('@nestjs/terminus', '@nestjs/terminus'),
  ];
  const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
  const [own] = results;
  const lines = [
    '### 9. Install footprint (target: probekit installs exactly 1 package, at most 3 MB)',
    '',
    'What a service image pays: in an empty project, `npm install --omit=dev <library>` as a user runs it (probekit from the tarball `npm pack` makes of packages/probekit; the others from the npm registry, newest version), then every package under node_modules is counted and its files summed. Peer dependencies npm installs by itself are counted (@nestjs/terminus brings Nest).',
    '',
    '| library | version | packages installed | size on disk | what else it brings |',
    '|---|---|---:|---:|---|',
    ...results.map((r) => `| ${r.name} | ${r.version} | ${r.packages} | ${mb(r.bytes)} | ${r.others.length === 0 ? '—' : r.others.length <= 6 ? r.others.join(', ') : `${r.others.slice(0, 6).join(', ')}, … (${r.others.length})`} |`),
    '',
    verdict(own.packages === 1 && own.bytes <= 3e6, `probekit installs ${own.packages} package${own.packages === 1 ? '' : 's'}, ${mb(own.bytes)} (types and source maps included). The tooling (lint, manifest, lab, demo) is the separate \`@probekit/cli\`, run with npx and never installed into the image.`),
  ];
  return lines.join('\n');
}
