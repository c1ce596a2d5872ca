/**
 * Name rules ported from upstream's tables: staging/src/k8s.io/apimachinery/pkg/util/validation/
 * validation_test.go (TestIsDNS1123Label, TestIsDNS1123Subdomain, TestIsValidPortName), read at
 * kubernetes/kubernetes commit 008b3652959ca58af8be3fb5b6ecfe9ae7638282.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDns1123Label, isDns1123Subdomain } from './pod.js';
import { portNameProblem } from './probe.js';

const a = (n: number): string => 'a'.repeat(n);

describe('DNS-1123 label (container names), as TestIsDNS1123Label', () => {
  const good = ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', a(63)];
  const bad = [
    '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2',
    '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', a(64),
  ];
  test('accepts every good value upstream accepts', () => assert.deepEqual(good.filter((v) => !isDns1123Label(v)), []));
  test('rejects every bad value upstream rejects', () => assert.deepEqual(bad.filter((v) => isDns1123Label(v)), []));
});

describe('DNS-1123 subdomain (object names), as TestIsDNS1123Subdomain', () => {
  const good = [
    'a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2',
    'a.a', 'ab.a', 'abc.a', 'a1.a', 'a-1.a', 'a--1--2--b.a', 'a.1', 'ab.1', 'abc.1', 'a1.1', 'a-1.1', 'a--1--2--b.1',
    '0.a', '01.a', '012.a', '1a.a', '1-a.a', '1--a--b--2', '0.1', '01.1', '012.1', '1a.1', '1-a.1', '1--a--b--2.1',
    'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', a(253),
  ];
  const bad = [
    '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2',
    '.', 'a.', '.a', 'a..b', '1.', '.1', '1..2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2',
    'A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1', 'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A',
    'A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e', 'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a_b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b', a(254),
  ];
  test('accepts every good value upstream accepts', () => assert.deepEqual(good.filter((v) => !isDns1123Subdomain(v)), []));
  test('rejects every bad value upstream rejects', () => assert.deepEqual(bad.filter((v) => isDns1123Subdomain(v)), []));
});

describe('port names (probe and hook ports given as strings), as TestIsValidPortName', () => {
  const good = ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3'];
  const bad = ['longerthan15characters', '', a(16), '12345', '1-2-3-4', '-begin', 'end-', 'two--hyphens', 'whois++'];
  test('accepts every good value upstream accepts', () => assert.deepEqual(good.filter((v) => portNameProblem(v) !== undefined), []));
  test('rejects every bad value upstream rejects', () => assert.deepEqual(bad.filter((v) => portNameProblem(v) === undefined), []));
  test('a quoted number says what to write instead', () => {
    assert.equal(portNameProblem('8081'), 'a quoted number is a port name, and a port name must contain a letter');
  });
});
