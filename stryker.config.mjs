// Mutation testing scoped to the rules that must never regress; see docs/testing.md.
// Run with `npm run mutate` (not in CI: it takes long on two cores).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: [
    // Validation of the allowlist, the restart-storm refusal and registration.
    'packages/probekit/src/engine/engine.ts:101-181',
    // markStarted, beginShutdown; the startup latch and change coalescing.
    'packages/probekit/src/engine/engine.ts:206-217',
    'packages/probekit/src/engine/engine.ts:320-353',
    // Probe evaluation: the built-in lines (readiness at shutdown, startup), check lines, verdicts.
    'packages/probekit/src/engine/evaluate.ts:42-64',
    'packages/probekit/src/engine/evaluate.ts:81-131',
    // render and the details token; the 10 KiB cap of the text and JSON bodies.
    'packages/probekit/src/http/render.ts:69-118',
    'packages/probekit/src/http/render.ts:170-205',
    'packages/probekit/src/http/render.ts:240-265',
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
      'packages/probekit/dist/http/fetch-handler.test.js',
      'packages/probekit/dist/http/prerendered.test.js',
      'packages/probekit/dist/health.test.js',
      'packages/probekit/dist/http/render.fuzz.test.js',
    ],
  },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Added to 1.5 x a file's own time: a mutant that hangs counts as detected after this.
  timeoutMS: 5000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
