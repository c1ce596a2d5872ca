import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { captureIO } from '@probekit/test-support';
import { main } from './main.js';

const packageJson = fileURLToPath(new URL('../../package.json', import.meta.url));
const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;

const USAGE = `Usage: probekit <command> [options]

Commands:
  check  probe a target once with kubelet semantics (exec probe, Docker HEALTHCHECK)

Run \`probekit <command> --help\` for a command's options.

lint, manifest, lab and demo are in the tooling package: npx @probekit/cli <command>
`;

describe('the probekit bin', () => {
  for (const flag of ['--help', '-h', 'help']) {
    test(`${flag} prints the usage on stdout and exits 0`, async () => {
      const { io, out, err } = captureIO();
      assert.equal(await main([flag], io), 0);
      assert.equal(out(), USAGE);
      assert.equal(err(), '');
    });
  }

  test('no command prints the usage on stderr and exits 2', async () => {
    const { io, out, err } = captureIO();
    assert.equal(await main([], io), 2);
    assert.equal(out(), '');
    assert.equal(err(), USAGE);
  });

  for (const flag of ['--version', '-v']) {
    test(`${flag} prints the package version`, async () => {
      const { io, out } = captureIO();
      assert.match(version, /^\d+\.\d+\.\d+/);
      assert.equal(await main([flag], io), 0);
      assert.equal(out(), `${version}\n`);
    });
  }

  test('an unknown command is a usage error naming it, with the usage', async () => {
    const { io, out, err } = captureIO();
    assert.equal(await main(['chek', 'http://x'], io), 2);
    assert.equal(out(), '');
    assert.equal(err(), `probekit: unknown command \`chek\`\n\n${USAGE}`);
  });

  test('a tooling command points to the tooling package', async () => {
    const { io, err } = captureIO();
    assert.equal(await main(['lint', 'x.yaml'], io), 2);
    assert.equal(err(), 'probekit: unknown command `lint`\n\nprobekit lint is in the tooling package: npx @probekit/cli lint\n');
  });

  test('an inherited property name is not a command', async () => {
    const { io, err } = captureIO();
    assert.equal(await main(['toString'], io), 2);
    assert.match(err(), /^probekit: unknown command `toString`/);
  });

  test('the installed bin exits with the code main resolves with', async () => {
    const bin = fileURLToPath(new URL('../../bin/probekit.js', import.meta.url));
    const child = spawn(process.execPath, [bin, '--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 0);
      assert.equal(stdout, `${version}\n`);
      const unknown = spawn(process.execPath, [bin, 'nope'], { stdio: 'ignore' });
      assert.equal(await new Promise((resolve) => unknown.once('exit', resolve)), 2);
    } finally {
      child.kill();
    }
  });
});
