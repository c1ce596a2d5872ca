import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatJson, formatSarif, formatText } from './format.js';
import { lintSources, lintText } from './lint.js';
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
    assert.match(all, /^kind: (Rollout|AdvancedCronJob|NightlyBatch)$/m); // custom resources with pod templates
    for (const shape of ['fragment-pod-template', 'fragment-container', 'fragment-container-list']) {
      assert.doesNotMatch(read(`${shape}.yaml`), /^\s*kind:/m, `${shape} is a fragment`);
    }
    assert.match(all, /<<: \*/); // a YAML merge key
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
    // The flow sequence `[` opened at line 1, column 4 is never closed: reported once, where it opened.
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`),
      ['bad.yaml:1:4 yaml-syntax'],
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
      [['startup-budget-short', 'startupProbe allows 115s to boot (initialDelaySeconds + (failureThreshold - 1) x periodSeconds) but the container declares 150s']],
    );
  });

  test('a per-container boot annotation overrides the pod-wide one', async () => {
    const text = read('good-deployment.yaml').replace(
      'probekit.dev/boot-seconds: "60"',
      'probekit.dev/boot-seconds: "60"\n    probekit.dev/boot-seconds.api: "116"',
    );
    assert.deepEqual(await summarise('x.yaml', text), ['30:11 error startup-budget-short']);
  });

  test('probekit.dev/ignore silences a rule for one object', async () => {
    const text = read('helm-rendered.yaml').replace(
      '    app.kubernetes.io/instance: shop\nspec:',
      '    app.kubernetes.io/instance: shop\n  annotations:\n    probekit.dev/ignore: liveness-failure-threshold-one\nspec:',
    );
    assert.deepEqual(await summarise('x.yaml', text), ['45:11 warning probe-shared-endpoint']);
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
    await assert.rejects(lintText('', 'x.yaml', { kubeVersion: 'latest' }), {
      message: 'Expected `kubeVersion` to be a Kubernetes version like 1.33, got `latest`',
    });
  });
});

describe('nothing passed unchecked', () => {
  const inputs: [string, string][] = [
    ['an empty file', ''],
    ['a map that is no manifest', 'foo: bar\n'],
    ['package.json', '{ "name": "svc", "version": "1.0.0", "scripts": { "start": "node ." } }\n'],
    ['a comment-only document', '# Source: chart/templates/disabled.yaml\n'],
    ['a Helm values file', 'name: shop\nimage:\n  repository: example/shop\n  tag: "1.0"\nlivenessProbe:\n  enabled: true\n  failureThreshold: 1\n'],
  ];
  for (const [name, text] of inputs) {
    test(`${name} is a no-workload warning, not clean`, async () => {
      const findings = await lintText(text, 'in.yaml');
      assert.deepEqual(findings.map((f) => `${f.line}:${f.column} ${f.severity} ${f.ruleId}`), ['1:1 warning no-workload']);
    });
  }

  test('no input at all is a no-workload warning', async () => {
    const report = await lintSources([]);
    assert.deepEqual(report.findings.map((f) => [f.ruleId, f.message]), [['no-workload', 'no manifests to check (no *.yaml or *.yml files)']]);
  });

  test('skipped documents are counted by kind, and pod templates of unknown kinds are linted', async () => {
    const report = await lintSources([{ text: read('custom-resources.yaml'), file: 'cr.yaml' }]);
    assert.equal(report.workloads, 4); // Rollout, AdvancedCronJob, NightlyBatch, Knative Service
    assert.deepEqual(report.skipped, { ConfigMap: 1, Service: 1 });
    assert.deepEqual([...new Set(report.findings.map((f) => f.object))], ['Rollout/checkout', 'NightlyBatch/nightly', 'Service/hello']);
  });

  test('the fragment probekit-cli manifest prints is linted, with liveness edited onto readiness\' path', async () => {
    const findings = await lintText(read('fragment-pod-template.yaml'), 'f.yaml');
    assert.deepEqual(findings.map((f) => [f.ruleId, f.object]), [
      ['probe-shared-endpoint', '(pod template fragment)'],
      ['liveness-on-readiness-endpoint', '(pod template fragment)'],
    ]);
  });
});

describe('false alarms removed', () => {
  test('a shared endpoint with a more tolerant liveness is a note, gRPC gets a gRPC fix, TCP and startup are not reported', async () => {
    const findings = await lintText(read('shared-endpoint.yaml'), 's.yaml');
    assert.deepEqual(findings.map((f) => [f.container, f.severity]), [['strict', 'warning'], ['tolerant', 'note'], ['grpc', 'warning']]);
    assert.match(findings[2]?.fix ?? '', /two service names in the gRPC health server/);
  });

  test('timeoutSeconds equal to periodSeconds is not reported; larger is', async () => {
    const findings = await lintText(read('timeout-period.yaml'), 't.yaml');
    assert.deepEqual(findings.map((f) => f.message), ['readinessProbe.timeoutSeconds (5) is above periodSeconds (2)']);
  });

  test('a Service in another file makes a missing readiness probe a warning; without one selecting it, a note', async () => {
    const deployment = read('services.yaml').split('---\n')[1] as string;
    const service = read('services.yaml').split('---\n')[0] as string;
    const alone = await lintSources([{ text: deployment, file: 'deploy.yaml' }]);
    assert.deepEqual(alone.findings.map((f) => f.severity), ['warning']); // no Services in the input: cannot tell
    const together = await lintSources([{ text: service, file: 'svc.yaml' }, { text: deployment, file: 'deploy.yaml' }]);
    assert.deepEqual(together.findings.map((f) => [f.file, f.severity]), [['deploy.yaml', 'warning']]);
    const other = await lintSources([{ text: service.replace('app: web', 'app: api'), file: 'svc.yaml' }, { text: deployment, file: 'deploy.yaml' }]);
    assert.deepEqual(other.findings.map((f) => [f.file, f.severity]), [['deploy.yaml', 'note']]);
    // A Service without a namespace goes where kubectl puts it: it may select pods of any namespace.
    const anywhere = await lintSources([{ text: service.replace('  namespace: shop\n', ''), file: 'svc.yaml' }, { text: deployment, file: 'deploy.yaml' }]);
    assert.deepEqual(anywhere.findings.map((f) => [f.file, f.severity]), [['deploy.yaml', 'warning']]);
  });
});

describe('patterns from public manifests', () => {
  test('a self-check query, a null list and bounded grpc_health_probe timeouts are not reported; default ones are', async () => {
    const findings = await lintText(read('corpus-patterns.yaml'), 'p.yaml');
    assert.deepEqual(findings.map((f) => [f.container, f.ruleId, f.message]), [
      [
        'grpc-defaults',
        'exec-probe-ignores-timeout',
        "readinessProbe runs `grpc_health_probe`, which may take 2s (connect-timeout + rpc-timeout, 1s each unless set), above the probe's timeoutSeconds (1s)",
      ],
    ]);
  });
});

describe('what the API server rejects', () => {
  test('a zero preStop sleep depends on the cluster version (PodLifecycleSleepActionAllowZero, on by default from 1.33)', async () => {
    const text = read('api-rejects.yaml');
    const sleep = async (kubeVersion?: string): Promise<string[]> =>
      (await lintText(text, 'a.yaml', kubeVersion === undefined ? {} : { kubeVersion }))
        .filter((f) => f.ruleId === 'prestop-sleep-invalid' && f.line === 41)
        .map((f) => f.severity);
    assert.deepEqual(await sleep(), ['warning']);
    assert.deepEqual(await sleep('1.32'), ['error']);
    assert.deepEqual(await sleep('v1.33.1'), []);
  });

  test('a field newer than the old schema (restartPolicyRules, Kubernetes 1.34) is not reported', async () => {
    const findings = await lintText(read('api-rejects.yaml'), 'a.yaml');
    assert.deepEqual(findings.filter((f) => f.container === 'restarts'), []);
  });

  test('--kube-version chooses the schema: restartPolicyRules (1.34) is unknown to a 1.33 cluster', async () => {
    const restarts = async (kubeVersion?: string): Promise<string[]> =>
      (await lintText(read('api-rejects.yaml'), 'a.yaml', kubeVersion === undefined ? {} : { kubeVersion }))
        .filter((f) => f.container === 'restarts' || f.message.includes('restartPolicyRules'))
        .map((f) => `${f.severity} ${f.ruleId}: ${f.message}`);
    assert.deepEqual(await restarts(), []);
    assert.deepEqual(await restarts('1.34'), []);
    assert.deepEqual(await restarts('1.33'), [
      'warning unknown-field: spec.template.spec.containers.2.restartPolicyRules: unknown field `restartPolicyRules` (not in the Kubernetes 1.33 schema)',
    ]);
  });

  test('an unknown field is a warning naming the schema version, and --kube-version says when the cluster is newer', async () => {
    const findings = await lintText(read('fragment-container.yaml'), 'c.yaml');
    const unknown = findings.find((f) => f.ruleId === 'unknown-field');
    assert.deepEqual([unknown?.severity, unknown?.message], ['warning', 'readinessProbe.periodSecond: unknown field `periodSecond` (not in the Kubernetes 1.36 schema)']);
    const newer = (await lintText(read('fragment-container.yaml'), 'c.yaml', { kubeVersion: '1.37' })).find((f) => f.ruleId === 'unknown-field');
    assert.equal(newer?.message, 'readinessProbe.periodSecond: unknown field `periodSecond` (not in the Kubernetes 1.36 schema; Kubernetes 1.37 may have it)');
  });
});

describe('YAML as kubectl reads it', () => {
  test('merge keys are merged, not unknown fields', async () => {
    const findings = await lintText(read('yaml-merge.yaml'), 'm.yaml');
    assert.deepEqual(findings.map((f) => f.ruleId), ['liveness-failure-threshold-one']);
  });

  test('a finding inside merged content points at the anchor it came from', async () => {
    const text = [
      'x-probe: &strict',
      '  failureThreshold: 1',
      'kind: Pod',
      'apiVersion: v1',
      'metadata: { name: p }',
      'spec:',
      '  containers:',
      '    - name: c',
      '      image: example/c:1',
      '      livenessProbe:',
      '        <<: *strict',
      '        httpGet: { path: /livez, port: 8080 }',
      '',
    ].join('\n');
    const findings = await lintText(text, 'm.yaml', { schema: false });
    assert.deepEqual(findings.map((f) => `${f.line}:${f.column} ${f.ruleId}`), ['2:3 liveness-failure-threshold-one']);
  });

  test('an unclosed flow map is reported once, where it was opened', async () => {
    const findings = await lintText(read('unclosed-flow.yaml'), 'u.yaml');
    assert.deepEqual(findings.map((f) => `${f.line}:${f.column} ${f.message}`), ['3:11 `{` opened here is never closed']);
  });

  test('a template placeholder is reported, and no warning leaks to the process', async () => {
    const warnings: string[] = [];
    const listener = (w: Error): void => {
      warnings.push(w.message);
    };
    process.on('warning', listener);
    try {
      const findings = await lintText(read('template-placeholder.yaml'), 'tpl.yaml');
      await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
      assert.deepEqual(findings.map((f) => `${f.line}:${f.column} ${f.ruleId}`), ['12:17 yaml-syntax']);
      assert.match(findings[0]?.message ?? '', /^`\{\{ \.Values\.port \}\}` is a template placeholder/);
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', listener);
    }
  });
});

describe('report formats', () => {
  test('text names file:line:col, severity, rule, message and fix', async () => {
    const findings = await lintText(read('helm-rendered.yaml'), 'charts/helm-rendered.yaml');
    const text = formatText(findings, 1);
    assert.equal(
      text.split('\n')[0],
      'charts/helm-rendered.yaml:43:11: warning probe-shared-endpoint: livenessProbe and readinessProbe both probe GET :8080/health and liveness acts after 10s of failures, readiness after 30s: every failure that takes the pod out of the load balancer also restarts it [Deployment/shop, container shop]',
    );
    assert.match(text.split('\n')[1] ?? '', /^ {2}fix: Serve separate endpoints/);
    assert.equal(text.split('\n').at(-2), '1 file checked: 1 error, 1 warning, 0 notes');
    assert.equal(formatText([], 3), '3 files checked: no probe problems found\n');
    assert.equal(
      formatText([], 2, { workloads: 3, skipped: { Service: 2, ConfigMap: 1 } }),
      '2 files, 3 workloads, 3 documents skipped (ConfigMap x1, Service x2) checked: no probe problems found\n',
    );
  });

  test('json carries the summary and every field', async () => {
    const findings = await lintText(read('kustomize-rendered.yaml'), 'k.yaml');
    const doc = JSON.parse(formatJson(findings, 1)) as { summary: unknown; findings: { ruleId: string; line: number }[] };
    assert.deepEqual(doc.summary, { error: 1, warning: 2, note: 0 });
    // Written out by hand from the fixture: line 33 column 9 is the `livenessProbe:` key of container
    // `orders`; liveness (period 5 s × default threshold 3 = 15 s) acts before readiness (10 s × 3 = 30 s)
    // on the same path, so sharing it is a warning; timeoutSeconds 5 equals periodSeconds 5 (not reported).
    assert.deepEqual(doc.findings[0], {
      ruleId: 'probe-shared-endpoint',
      severity: 'warning',
      message:
        'livenessProbe and readinessProbe both probe GET :8080/api/readyz and liveness acts after 15s of failures, readiness after 30s: every failure that takes the pod out of the load balancer also restarts it',
      fix: 'Serve separate endpoints (/livez for "am I wedged?", /readyz for "can I serve?"), or keep the shared one cheap and give liveness a higher failureThreshold than readiness.',
      file: 'k.yaml',
      line: 33,
      column: 9,
      object: 'Deployment/prod-orders',
      container: 'orders',
    });
    assert.deepEqual(
      doc.findings.map((f) => `${f.line} ${f.ruleId}`),
      ['33 probe-shared-endpoint', '35 liveness-on-readiness-endpoint', '48 readiness-missing'],
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
