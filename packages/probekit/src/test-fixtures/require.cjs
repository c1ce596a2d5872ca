// A CommonJS service: require() of the ES-module library (Node >= 20.19 loads it without a flag).
'use strict';
const assert = require('node:assert/strict');
const { createHealth, shutdownOn } = require('probekit');
const { probes } = require('probekit/express');
const { postgresCheck } = require('probekit/checks/postgres');

assert.equal(typeof createHealth, 'function');
assert.equal(typeof shutdownOn, 'function');
assert.equal(typeof probes, 'function');
assert.equal(typeof postgresCheck, 'function');
const health = createHealth({ env: {} });
health.readiness('ok', () => true);
health.close().then(() => process.stdout.write('required\n'));
