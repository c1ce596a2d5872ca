import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkSnippets, extractSnippets } from './snippets.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * Names a snippet may use without building them, each with the real library's type: the objects
 * every service already has. Anything else a snippet uses it imports or declares itself.
 */
const PRELUDE = `
declare const health: import('probekit').Health;
declare const pool: import('pg').Pool;
declare const server: import('node:http').Server;
`;

test('every TypeScript snippet in README.md, the packages\' READMEs and docs/ compiles under strict settings against the real libraries', () => {
  const snippets = extractSnippets(ROOT);
  assert.ok(snippets.some((s) => s.where.startsWith('README.md:')), 'the README has a ts snippet');
  assert.ok(snippets.some((s) => s.where.startsWith('packages/probekit/README.md:')), 'the package README has a ts snippet');
  assert.ok(snippets.length >= 20, `only ${snippets.length} snippets found`);
  const errors = checkSnippets(ROOT, snippets, PRELUDE);
  assert.deepEqual(errors.map((e) => `${e.where}: ${e.message.split('\n')[0]}`), []);
});

test('the snippet checker reports a type error at its Markdown line', () => {
  const errors = checkSnippets(ROOT, [{ where: 'docs/x.md:10', code: "import { createHealth } from 'probekit';\n\ncreateHealth({ port: 'eighty' });" }], PRELUDE);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.where, 'docs/x.md:12');
  assert.match(errors[0]?.message ?? '', /not assignable to type 'number'/);
});
