import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatJson, formatSarif, formatText } from './format.js';
import { lintText } from './lint.js';
import { ALL_RULES, RULES } from './rule-catalog.js';

// Tests run from dist/; the corpus stays in src/ (tsc does not copy YAML).
const FIXTURES = fileURLToPath(new URL('../../src/lint/test-fixtures/', import.meta.url));

function read(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8');
}

/** `line:col severity rule-id` per finding: the expected file's format. */
async function summarise(name: string, text = read(name)): Promise<string[]> {
  const findings = await lintText(text, name);
  return findings.map((f) => `${f.line}:${f.column} ${f.severity} ${f.ruleId}`);
}

describe('the manifest corpus', () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));

  test('holds good and bad manifests in every shape the linter claims', () => {
    assert.ok(fixtures.length >= 9, `only ${fixtures.length} fixtures`);
    const all = fixtures.map(read).join('\n');
    for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'List']) {
      assert.match(all, new RegExp(`^\\s*kind: ${kind}$`, 'm'), `no ${kind} in the corpus`);
    }
    assert.match(all, /restartPolicy: Always/);
    assert.match(all, /# Source: /); // Helm output
  });

  for (const name of fixtures) {
    test(`${name} yields exactly the findings in ${name.replace(/\.yaml$/, '.expected')}`, async () => {
      const expected = read(name.replace(/\.yaml$/, '.expected')).split('\n').filter((l) => l.length > 0);
      assert.deepEqual(await summarise(name), expected);
    });
  }

  test('every manifest rule in the catalogue is exercised by the corpus', async () => {
    const seen = new Set<string>();
    for (const name of fixtures) for (const line of await summarise(name)) seen.add(line.split(' ')[2] as string);
    const missing = Object.values(RULES).map((r) => r.id).filter((id) => !seen.has(id));
    assert.deepEqual(missing, []);
  });
});

describe('lintText', () => {
  test('malformed YAML is a positioned finding, never a throw', async () => {
    const findings = await lintText('a: [1, 2\nb: c\n', 'bad.yaml');
    // The unclosed flow sequence is noticed where the next block key starts: line 2, column 1.
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`),
      ['bad.yaml:2:1 yaml-syntax'],
    );
    assert.doesNotMatch(findings[0]?.message ?? '', /\n|at .*\.js/);
  });

  test('duplicate keys are reported where the second one is', async () => {
    const findings = await lintText('kind: Pod\nkind: Pod\n', 'dup.yaml');
    assert.deepEqual(
      findings.map((f) => `${f.line}:${f.column} ${f.ruleId}`),
      ['2:1 yaml-syntax'],
    );
  });

  test('the bootSeconds option applies when no annotation declares a boot time', async () => {
    const text = read('good-deployment.yaml').replace(/\n {4}probekit\.dev\/boot-seconds: "60"/, '');
    assert.deepEqual(await summarise('x.yaml', text), []);
    const findings = await lintText(text, 'x.yaml', { bootSeconds: 150 });
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.message]),
      [['startup-budget-short', 'startupProbe allows 120s to boot (initialDelaySeconds + failureThreshold x periodSeconds) but the container declares 150s']],
    );
  });

  test('a per-container boot annotation overrides the pod-wide one', async () => {
    const text = read('good-deployment.yaml').replace(
      'probekit.dev/boot-seconds: "60"',
      'probekit.dev/boot-seconds: "60"\n    probekit.dev/boot-seconds.api: "121"',
    );
    assert.deepEqual(await summarise('x.yaml', text), ['30:11 error startup-budget-short']);
  });

  test('probekit.dev/ignore silences a rule for one object', async () => {
    const text = read('helm-rendered.yaml').replace(
      '    app.kubernetes.io/instance: shop\nspec:',
      '    app.kubernetes.io/instance: shop\n  annotations:\n    probekit.dev/ignore: liveness-failure-threshold-one\nspec:',
    );
    assert.deepEqual(await summarise('x.yaml', text), ['45:11 error probe-shared-endpoint']);
  });

  test('an annotation that is not a number is reported, not ignored', async () => {
    const text = read('good-deployment.yaml').replace('boot-seconds: "60"', 'boot-seconds: "a minute"');
    const findings = await lintText(text, 'x.yaml');
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.message]),
      [['schema-invalid', 'annotation `probekit.dev/boot-seconds` must be a number of seconds, got `a minute`']],
    );
  });

  test('options are validated, naming the option and the value', async () => {
    await assert.rejects(lintText('', 'x.yaml', { minLivenessToleranceSeconds: -1 }), {
      message: 'Expected `minLivenessToleranceSeconds` to be a non-negative integer, got `-1`',
    });
  });
});

describe('report formats', () => {
  test('text names file:line:col, severity, rule, message and fix', async () => {
    const findings = await lintText(read('helm-rendered.yaml'), 'charts/helm-rendered.yaml');
    const text = formatText(findings, 1);
    assert.equal(
      text.split('\n')[0],
      'charts/helm-rendered.yaml:43:11: error probe-shared-endpoint: livenessProbe and readinessProbe both probe GET :8080/health [Deployment/shop, container shop]',
    );
    assert.match(text.split('\n')[1] ?? '', /^ {2}fix: Serve separate endpoints/);
    assert.equal(text.split('\n').at(-2), '1 file checked: 2 errors, 0 warnings, 0 notes');
    assert.equal(formatText([], 3), '3 files checked: no probe problems found\n');
  });

  test('json carries the summary and every field', async () => {
    const findings = await lintText(read('kustomize-rendered.yaml'), 'k.yaml');
    const doc = JSON.parse(formatJson(findings, 1)) as { summary: unknown; findings: { ruleId: string; line: number }[] };
    assert.deepEqual(doc.summary, { error: 2, warning: 2, note: 0 });
    // Written out by hand: line 33 column 9 is the `livenessProbe:` key of container `orders`.
    assert.deepEqual(doc.findings[0], {
      ruleId: 'probe-shared-endpoint',
      severity: 'error',
      message: 'livenessProbe and readinessProbe both probe GET :8080/api/readyz',
      fix: 'Serve separate endpoints (/livez for "am I wedged?", /readyz for "can I serve?") and point each probe at its own.',
      file: 'k.yaml',
      line: 33,
      column: 9,
      object: 'Deployment/prod-orders',
      container: 'orders',
    });
    assert.deepEqual(
      doc.findings.map((f) => `${f.line} ${f.ruleId}`),
      ['33 probe-shared-endpoint', '35 liveness-on-readiness-endpoint', '38 timeout-not-below-period', '48 readiness-missing'],
    );
  });

  test('sarif is 2.1.0 with every rule declared and results pointing at their rule', async () => {
    const findings = await lintText(read('list.yaml'), 'manifests/my list.yaml');
    const sarif = JSON.parse(formatSarif(findings, '0.1.0')) as {
      version: string;
      runs: {
        tool: { driver: { name: string; rules: { id: string; defaultConfiguration: { level: string } }[] } };
        results: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[];
        }[];
      }[];
    };
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    assert.ok(run);
    assert.equal(run.tool.driver.name, 'probekit');
    assert.equal(run.tool.driver.rules.length, ALL_RULES.length);
    assert.equal(run.results.length, 4);
    const first = run.results[0];
    assert.ok(first);
    assert.equal(first.ruleId, 'liveness-checks-dependency');
    assert.equal(run.tool.driver.rules[first.ruleIndex]?.id, 'liveness-checks-dependency');
    assert.equal(first.level, 'error');
    assert.deepEqual(first.locations[0]?.physicalLocation, {
      artifactLocation: { uri: 'manifests/my%20list.yaml' },
      region: { startLine: 25, startColumn: 19 },
    });
  });
});
