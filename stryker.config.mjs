// Mutation testing scoped to the rules that must never regress; see docs/testing.md.
// Run with `npm run mutate` (not in CI: it takes long on two cores).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    'packages/probekit/src/engine/engine.ts',
    'packages/probekit/src/engine/evaluate.ts',
    'packages/probekit/src/http/render.ts',
    'packages/probekit/src/shutdown/shutdown.ts',
    'packages/cli/src/lab/model/probe-worker.ts',
    'packages/cli/src/lint/rules.ts',
  ],
  // Messages are pinned by exact-text tests where they matter; mutating every string of every
  // message would triple the run for little signal.
  mutator: { excludedMutations: ['StringLiteral'] },
  // Stryker instruments every mutant into the sources at once, so the build runs once.
  buildCommand: 'npx tsc -b',
  ignorePatterns: ['dist', '*.tsbuildinfo', 'coverage', 'reports', '.scratch', 'bench/results', '.probekit'],
  testRunner: 'tap',
  tap: {
    testFiles: [
      // Fast unit tests first: the runner stops at the first file that kills a mutant.
      'packages/probekit/dist/engine/*.test.js',
      'packages/probekit/dist/http/render.fuzz.test.js',
      'packages/probekit/dist/http/prerendered.test.js',
      'packages/probekit/dist/health.test.js',
      'packages/probekit/dist/shutdown/shutdown.test.js',
      'packages/cli/dist/lint/*.test.js',
      'packages/cli/dist/lab/model/*.test.js',
      'packages/cli/dist/lab/scenario/scenarios.test.js',
    ],
  },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
