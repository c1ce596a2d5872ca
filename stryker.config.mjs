// Mutation testing scoped to the rules that must never regress; see docs/testing.md.
// Run with `npm run mutate` (every scope) or `PROBEKIT_MUTATE=lint npm run mutate` (one or more
// scopes, comma-separated). Not in CI: it takes long on two cores.

/** Each scope: the source ranges it mutates and the built test files that are meant to kill them, fastest first. */
const SCOPES = {
  engine: {
    // Whole files, so that the scope does not drift as lines move: registration, the allowlist and
    // the restart-storm refusal, the startup latch, beginShutdown, change coalescing (engine.ts);
    // every probe's lines and verdicts (evaluate.ts); render, the details token, the 10 KiB cap (render.ts).
    mutate: [
      'packages/probekit/src/engine/engine.ts',
      'packages/probekit/src/engine/evaluate.ts',
      'packages/probekit/src/http/render.ts',
    ],
    testFiles: [
      'packages/probekit/dist/engine/*.test.js',
      'packages/probekit/dist/http/render-limits.test.js',
      'packages/probekit/dist/http/render-details.test.js',
      'packages/probekit/dist/http/fetch-handler.test.js',
      'packages/probekit/dist/http/prerendered.test.js',
      'packages/probekit/dist/health.test.js',
      'packages/probekit/dist/http/render.fuzz.test.js',
      'packages/probekit/dist/http/render-hostile.test.js',
      'packages/probekit/dist/http/render.property.test.js',
      'packages/probekit/dist/controls.test.js',
      // Real sockets, slowest last: the contract table over HTTP.
      'packages/probekit/dist/http/server.test.js',
    ],
  },
  // The lab's kubelet rules: probe workers, restart back-off, the pod's restarts, endpoints.
  lab: {
    mutate: [
      'packages/cli/src/lab/model/probe-worker.ts',
      'packages/cli/src/lab/model/backoff.ts',
      'packages/cli/src/lab/model/pod.ts',
      'packages/cli/src/lab/model/load-balancer.ts',
    ],
    testFiles: [
      'packages/cli/dist/lab/model/*.test.js',
      'packages/cli/dist/lab/scenario/derived.test.js',
      'packages/cli/dist/lab/report/report.test.js',
      'packages/cli/dist/lab/scenario/scenarios.test.js',
    ],
  },
  // The linter's rules.
  lint: {
    mutate: ['packages/cli/src/lint/rules/*.ts', '!packages/cli/src/lint/rules/*.test.ts'],
    testFiles: [
      'packages/cli/dist/lint/rules/*.test.js',
      'packages/cli/dist/lint/blip-boundary.test.js',
      'packages/cli/dist/lint/lint.test.js',
    ],
  },
  // The shutdown sequence: signals, phases, drain, hooks, the exit.
  shutdown: {
    mutate: ['packages/probekit/src/shutdown/shutdown.ts', 'packages/probekit/src/shutdown/drain.ts'],
    testFiles: [
      'packages/probekit/dist/shutdown/drain.test.js',
      'packages/probekit/dist/shutdown/shutdown.test.js',
      'packages/probekit/dist/shutdown/controls.test.js',
      'packages/probekit/dist/shutdown/late-registration.test.js',
      'packages/probekit/dist/shutdown/options.test.js',
      'packages/probekit/dist/shutdown/lifecycle.test.js',
      'packages/probekit/dist/shutdown/discover.test.js',
      'packages/probekit/dist/shutdown/long-lived.test.js',
      'packages/probekit/dist/shutdown/listening.test.js',
    ],
  },
};

const wanted = (process.env.PROBEKIT_MUTATE ?? Object.keys(SCOPES).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
const unknown = wanted.filter((name) => !Object.hasOwn(SCOPES, name));
if (unknown.length > 0 || wanted.length === 0) {
  throw new Error(`PROBEKIT_MUTATE: unknown scope ${unknown.join(', ') || '(none given)'}; the scopes are ${Object.keys(SCOPES).join(', ')}`);
}
const chosen = wanted.map((name) => SCOPES[name]);
const label = wanted.join('+');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: chosen.flatMap((scope) => scope.mutate),
  // Messages are pinned by exact-text tests where they matter; mutating every string of every
  // message would triple the run for little signal.
  mutator: { excludedMutations: ['StringLiteral'] },
  // Stryker instruments every mutant into the sources at once, so the build runs once.
  buildCommand: 'npx tsc -b',
  ignorePatterns: ['dist', '*.tsbuildinfo', 'coverage', 'reports', '.scratch', '.wt', 'bench/results', '.probekit'],
  testRunner: 'tap',
  // The runner stops at the first file that kills a mutant, so the fast unit tests come first.
  tap: { testFiles: [...new Set(chosen.flatMap((scope) => scope.testFiles))] },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Added to 1.5 x a file's own time: a mutant that hangs counts as detected after this.
  timeoutMS: 5000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${label}.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
