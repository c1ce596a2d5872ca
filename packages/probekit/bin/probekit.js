#!/usr/bin/env node
// The only place that exits: commands resolve with their exit code.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`probekit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
