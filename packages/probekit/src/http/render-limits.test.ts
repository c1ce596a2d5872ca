import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VirtualClock } from '../engine/clock.js';
import { HealthEngine } from '../engine/engine.js';
import { MAX_BODY_BYTES, render, type ProbeRequest } from './render.js';

// Written against the survivors of the first mutation run (docs/testing.md): the 10 KiB cap at
// its exact boundary and past it, and the details token's header grammar. Expected bodies are
// spelled out from the documented line formats; the cap's arithmetic is worked out in comments.

const TOKEN = 'a-details-token-0123456789';
const KIB10 = 10 * 1024;

async function engineWith(register: (health: HealthEngine) => void): Promise<HealthEngine> {
  const clock = new VirtualClock();
  const health = new HealthEngine({ clock });
  register(health);
  await clock.advance(1);
  return health;
}

function answer(health: HealthEngine, request: Partial<ProbeRequest> & { url: string }, detailsToken?: string) {
  return render(health.snapshot(), { method: 'GET', ...request }, { now: health.clock.now(), loopBlockedMs: 0, detailsToken });
}

const fail = (): never => {
  throw new Error('connect ECONNREFUSED');
};

/** 1-63 characters of the allowed alphabet, unique per index. */
const nameOf = (prefix: string, i: number, length: number): string => `${prefix}${String(i).padStart(3, '0')}`.padEnd(length, 'x');

/** 150 check names, lengthened one by one (up to the 63-character limit) until `bytes` is `size`. */
function grow(size: number, bytes: (names: readonly string[]) => number): string[] {
  const names = Array.from({ length: 150 }, (_, i) => nameOf('p', i, 20));
  let deficit = size - bytes(names);
  for (let i = 0; deficit > 0 && i < names.length; i += 1) {
    const by = Math.min(63 - names[i]!.length, deficit);
    names[i] = nameOf('p', i, names[i]!.length + by);
    deficit -= by;
  }
  assert.equal(bytes(names), size);
  return names;
}

describe('the 10 KiB cap of the text body', () => {
  const FIXED = ['[+]eventloop ok', '[+]startup ok', '[+]shutdown ok', '[-]bad failed: reason withheld', '[!]soft warn: reason withheld'];
  const TAIL = 'readyz check failed';
  const body = (names: readonly string[]): string => `${[...FIXED, ...names.map((n) => `[+]${n} ok`), TAIL].join('\n')}\n`;

  /** 150 passing checks whose names make the whole answer exactly `size` bytes. */
  function namesFor(size: number): string[] {
    return grow(size, (names) => Buffer.byteLength(body(names)));
  }

  async function withPassing(names: readonly string[]): Promise<HealthEngine> {
    return engineWith((h) => {
      h.readiness('bad', fail);
      h.readiness('soft', fail, { critical: false });
      for (const n of names) h.readiness(n, () => undefined);
    });
  }

  test('an answer of exactly 10 KiB is sent whole', async () => {
    const names = namesFor(KIB10);
    const health = await withPassing(names);
    try {
      assert.equal(MAX_BODY_BYTES, KIB10);
      assert.equal(answer(health, { url: '/readyz' }).body, body(names));
    } finally {
      health.stop();
    }
  });

  test('one byte more drops every passing line, keeps failing and warning ones, and counts what it dropped', async () => {
    const health = await withPassing(namesFor(KIB10 + 1));
    try {
      // 3 built-in lines and 150 checks pass.
      assert.equal(
        answer(health, { url: '/readyz' }).body,
        '[-]bad failed: reason withheld\n[!]soft warn: reason withheld\n[+]... 153 passing checks omitted (body limit 10 KiB)\nreadyz check failed\n',
      );
    } finally {
      health.stop();
    }
  });

  test('when the failing lines alone are too many, the list is cut to four fifths and the cut is counted', async () => {
    const names = Array.from({ length: 120 }, (_, i) => nameOf('f', i, 63));
    const health = await engineWith((h) => {
      for (const n of names) h.readiness(n, fail);
    });
    try {
      // Each failing line is 3 + 63 + 24 = 90 bytes: 120 of them exceed 10 KiB. The 3 passing
      // built-in lines become one "[+]... 3 passing" line (121 lines, 10,992 bytes, still too big);
      // the cut keeps floor(121 x 0.8) = 96 lines and counts 121 - 96 = 25: 96 x 91 + 49 + 20 = 8,805 bytes.
      const expected = `${[...names.slice(0, 96).map((n) => `[-]${n} failed: reason withheld`), '[-]... 25 more lines omitted (body limit 10 KiB)', 'readyz check failed'].join('\n')}\n`;
      const got = answer(health, { url: '/readyz' }).body;
      assert.equal(got, expected);
      assert.ok(Buffer.byteLength(got) <= KIB10);
    } finally {
      health.stop();
    }
  });

  test('with no passing line to drop, no "passing checks omitted" line is added before the cut', async () => {
    const names = Array.from({ length: 120 }, (_, i) => nameOf('f', i, 63));
    const clock = new VirtualClock();
    // Without the loop bound liveness has no built-in line, so every line fails.
    const health = new HealthEngine({ clock, maxBlockMs: 0 });
    for (const n of names) health.liveness(n, fail);
    await clock.advance(1);
    try {
      // 120 lines of 90 bytes: the cut keeps floor(120 x 0.8) = 96 and counts 120 - 96 = 24.
      const expected = `${[...names.slice(0, 96).map((n) => `[-]${n} failed: reason withheld`), '[-]... 24 more lines omitted (body limit 10 KiB)', 'livez check failed'].join('\n')}\n`;
      assert.equal(answer(health, { url: '/livez' }).body, expected);
    } finally {
      health.stop();
    }
  });

  test('unmatched exclude names are warned about before the verdict line', async () => {
    const health = await engineWith((h) => h.readiness('db', () => undefined));
    try {
      assert.equal(
        answer(health, { url: '/readyz?verbose&exclude=nope&exclude=db' }).body,
        '[+]eventloop ok\n[+]startup ok\n[+]shutdown ok\n[+]db excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nreadyz check passed\n',
      );
    } finally {
      health.stop();
    }
  });
});

describe('the 10 KiB cap of the JSON body', () => {
  const SYSTEM = { status: 'pass', componentType: 'system' };
  type Doc = { status: string; description: string; output?: string; notes?: string[]; checks: Record<string, unknown[]> };
  const docOf = (names: readonly string[]): Doc => ({
    status: 'fail',
    description: 'probekit readyz',
    output: 'readyz check failed',
    checks: {
      eventloop: [SYSTEM],
      startup: [SYSTEM],
      shutdown: [SYSTEM],
      bad: [{ status: 'fail' }],
      soft: [{ status: 'warn' }],
      ...Object.fromEntries(names.map((n) => [n, [{ status: 'pass' }]])),
    },
  });
  const json = (names: readonly string[]) => ({ url: '/readyz?format=json', names });

  function namesFor(size: number): string[] {
    return grow(size, (names) => Buffer.byteLength(JSON.stringify(docOf(names))));
  }

  async function withPassing(names: readonly string[]): Promise<HealthEngine> {
    return engineWith((h) => {
      h.readiness('bad', fail);
      h.readiness('soft', fail, { critical: false });
      for (const n of names) h.readiness(n, () => undefined);
    });
  }

  test('an answer of exactly 10 KiB is sent whole, without notes', async () => {
    const names = namesFor(KIB10);
    const health = await withPassing(names);
    try {
      const got = answer(health, json(names));
      assert.equal(got.body, JSON.stringify(docOf(names)));
      assert.equal(Buffer.byteLength(got.body), KIB10);
    } finally {
      health.stop();
    }
  });

  test('one byte more keeps only the entries that do not pass and notes how many passing ones were dropped', async () => {
    const names = namesFor(KIB10 + 1);
    const health = await withPassing(names);
    try {
      assert.deepEqual(JSON.parse(answer(health, json(names)).body), {
        status: 'fail',
        description: 'probekit readyz',
        output: 'readyz check failed',
        notes: ['153 passing checks omitted (body limit 10 KiB)'],
        checks: { bad: [{ status: 'fail' }], soft: [{ status: 'warn' }] },
      });
    } finally {
      health.stop();
    }
  });

  test('when the failing entries alone are too many, the last ones go until it fits, and all dropped are counted', async () => {
    const names = Array.from({ length: 130 }, (_, i) => nameOf('f', i, 63));
    const health = await engineWith((h) => {
      for (const n of names) h.readiness(n, fail);
    });
    try {
      const body = answer(health, json(names)).body;
      const doc = JSON.parse(body) as Doc;
      const kept = Object.keys(doc.checks);
      assert.deepEqual(kept, names.slice(0, kept.length), 'a prefix of the failing checks, in order');
      const deleted = names.length - kept.length;
      assert.ok(deleted > 0);
      assert.deepEqual(doc.notes, [`${3 + deleted} checks omitted (body limit 10 KiB)`]);
      assert.ok(Buffer.byteLength(body) <= KIB10, `${Buffer.byteLength(body)} bytes`);
      // One entry fewer dropped would not have fitted: nothing was dropped that did not need to be.
      const next = names[kept.length]!;
      const oneMore = { ...doc, notes: [`${3 + deleted - 1} checks omitted (body limit 10 KiB)`], checks: { ...doc.checks, [next]: [{ status: 'fail' }] } };
      assert.ok(Buffer.byteLength(JSON.stringify(oneMore)) > KIB10);
    } finally {
      health.stop();
    }
  });

  test('a passing answer has neither output nor notes', async () => {
    const health = await engineWith((h) => h.readiness('db', () => undefined));
    try {
      assert.deepEqual(JSON.parse(answer(health, { url: '/readyz?format=json' }).body), {
        status: 'pass',
        description: 'probekit readyz',
        checks: { eventloop: [SYSTEM], startup: [SYSTEM], shutdown: [SYSTEM], db: [{ status: 'pass' }] },
      });
    } finally {
      health.stop();
    }
  });
});

describe('the details token', () => {
  const shown = /^\[-\]db failed: connect ECONNREFUSED \(took 0 ms, never succeeded\)$/m;
  const withheld = /^\[-\]db failed: reason withheld$/m;

  for (const [header, expected] of [
    [`Bearer ${TOKEN}`, shown],
    [`bearer ${TOKEN}`, shown],
    [`BEARER\t${TOKEN}`, shown],
    [`Bearer   ${TOKEN}`, shown],
    [`Bearer ${TOKEN}  `, shown],
    [`Bearer ${TOKEN} extra`, withheld],
    [`XBearer ${TOKEN}`, withheld],
    [`Bearer ${TOKEN}x`, withheld],
    [`Bearer ${TOKEN.slice(0, -1)}`, withheld],
    [`Basic ${TOKEN}`, withheld],
    [TOKEN, withheld],
    ['Bearer', withheld],
  ] as const) {
    test(`Authorization ${JSON.stringify(header)} ${expected === shown ? 'shows' : 'withholds'} the reason`, async () => {
      const health = await engineWith((h) => h.readiness('db', fail));
      try {
        assert.match(answer(health, { url: '/readyz', authorization: header }, TOKEN).body, expected);
      } finally {
        health.stop();
      }
    });
  }

  test('without a configured token every header is refused, without an error', async () => {
    const health = await engineWith((h) => h.readiness('db', fail));
    try {
      for (const authorization of [`Bearer ${TOKEN}`, 'Bearer ', undefined]) {
        assert.match(answer(health, { url: '/readyz', ...(authorization === undefined ? {} : { authorization }) }).body, withheld);
      }
      assert.match(answer(health, { url: '/readyz', authorization: 'Bearer ' }, '').body, withheld);
    } finally {
      health.stop();
    }
  });
});

describe('single-check endpoints', () => {
  test('/readyz/<name> answers for that check alone; an unknown name is a 404 naming it', async () => {
    const health = await engineWith((h) => {
      h.readiness('db', fail);
      h.readiness('cache', () => undefined);
    });
    try {
      assert.deepEqual(
        [answer(health, { url: '/readyz/db' }).status, answer(health, { url: '/readyz/db' }).body],
        [503, '[-]db failed: reason withheld\nreadyz check failed\n'],
      );
      assert.deepEqual(
        [answer(health, { url: '/readyz/cache?verbose' }).status, answer(health, { url: '/readyz/cache?verbose' }).body],
        [200, '[+]cache ok\nreadyz check passed\n'],
      );
      assert.deepEqual(
        [answer(health, { url: '/readyz/nope' }).status, answer(health, { url: '/readyz/nope' }).body],
        [404, 'no check named "nope" on readyz\n'],
      );
      const long = 'n'.repeat(100);
      assert.equal(answer(health, { url: `/readyz/${long}` }).body, `no check named "${'n'.repeat(64)}" on readyz\n`);
    } finally {
      health.stop();
    }
  });
});

// Written against the survivors of the second mutation run: the cut loops at their exact
// boundaries, the size the JSON cut reserves for its note, and bodies that a hostile query makes long.

/** `count` names (prefix + index, 20 characters to start) lengthened one by one, up to the 63-character limit, until `bytes` is `size`. */
function fit(prefix: string, count: number, size: number, bytes: (names: readonly string[]) => number): string[] {
  const names = Array.from({ length: count }, (_, i) => nameOf(prefix, i, 20));
  let deficit = size - bytes(names);
  for (let i = 0; deficit > 0 && i < names.length; i += 1) {
    const by = Math.min(63 - names[i]!.length, deficit);
    names[i] = nameOf(prefix, i, names[i]!.length + by);
    deficit -= by;
  }
  assert.equal(bytes(names), size, 'the names can be sized to the wanted body');
  return names;
}

type CutDoc = { status: string; description: string; output: string; notes: string[]; checks: Record<string, unknown[]> };

describe('the cuts at their exact boundaries', () => {
  test('text: a cut that lands on exactly 10 KiB is not cut again', async () => {
    // 140 failing lines (no passing line: liveness without the loop bound). The cut keeps
    // floor(140 x 0.8) = 112 lines and counts 28; the first 112 names are sized so that this
    // answer is exactly 10,240 bytes, the last 28 are 63 characters long.
    const lineOf = (n: string) => `[-]${n} failed: reason withheld`;
    const after = (kept: readonly string[]) => `${[...kept.map(lineOf), '[-]... 28 more lines omitted (body limit 10 KiB)', 'livez check failed'].join('\n')}\n`;
    const kept = fit('k', 112, KIB10, (names) => Buffer.byteLength(after(names)));
    const names = [...kept, ...Array.from({ length: 28 }, (_, i) => nameOf('z', i, 63))];
    const clock = new VirtualClock();
    const health = new HealthEngine({ clock, maxBlockMs: 0 });
    for (const n of names) health.liveness(n, fail);
    await clock.advance(1);
    try {
      const got = answer(health, { url: '/livez' }).body;
      assert.equal(got, after(kept));
      assert.equal(Buffer.byteLength(got), KIB10);
    } finally {
      health.stop();
    }
  });

  // 150 failing readiness checks plus the 3 passing built-in lines: 153 keys, so the longest note
  // the cut can end with is "153 passing checks omitted …" — the size every kept entry adds to.
  const docOf = (failing: readonly string[], note: string): CutDoc => ({
    status: 'fail',
    description: 'probekit readyz',
    output: 'readyz check failed',
    notes: [note],
    checks: Object.fromEntries(failing.map((n) => [n, [{ status: 'fail' }]])),
  });
  const LONGEST = '153 passing checks omitted (body limit 10 KiB)';

  async function failingEngine(names: readonly string[]): Promise<HealthEngine> {
    return engineWith((h) => {
      for (const n of names) h.readiness(n, fail);
    });
  }

  test('JSON: failing entries that fit exactly, with the longest note, are all kept', async () => {
    // The first 118 names are sized so that they fill 10,240 bytes exactly under the longest note;
    // the last 32 (63 characters) cannot fit after them.
    const first = fit('k', 118, KIB10, (names) => Buffer.byteLength(JSON.stringify(docOf(names, LONGEST))));
    const names = [...first, ...Array.from({ length: 32 }, (_, i) => nameOf('z', i, 63))];
    const health = await failingEngine(names);
    try {
      const got = answer(health, { url: '/readyz?format=json' }).body;
      // 3 built-in lines and 32 failing checks dropped.
      assert.deepEqual(JSON.parse(got), docOf(first, '35 checks omitted (body limit 10 KiB)'));
      assert.ok(Buffer.byteLength(got) <= KIB10);
    } finally {
      health.stop();
    }
  });

  test('JSON: the size reserved for the note covers "N passing checks omitted", so the cut body never passes 10 KiB', async () => {
    // 150 failing checks whose entries with the note "3 passing checks omitted" make 10,241 bytes:
    // one over. Reserving only the shorter "N checks omitted" kept them all and sent 10,241 bytes;
    // the last failing entry must go.
    const names = fit('k', 150, KIB10 + 1, (n) => Buffer.byteLength(JSON.stringify(docOf(n, '3 passing checks omitted (body limit 10 KiB)'))));
    const health = await failingEngine(names);
    try {
      const got = answer(health, { url: '/readyz?format=json' }).body;
      assert.ok(Buffer.byteLength(got) <= KIB10, `${Buffer.byteLength(got)} bytes`);
      assert.deepEqual(JSON.parse(got), docOf(names.slice(0, 149), '4 checks omitted (body limit 10 KiB)'));
    } finally {
      health.stop();
    }
  });
});

describe('bodies a hostile query makes long', () => {
  const many = Array.from({ length: 40 }, (_, i) => `${'n'.repeat(200)}${i}`);
  const query = many.map((n) => `exclude=${n}`).join('&');

  test('unmatched exclude names are quoted back at most 8, each cut to 64 characters, the rest counted', async () => {
    const health = await engineWith((h) => h.readiness('db', fail));
    try {
      const quoted = `${Array.from({ length: 8 }, () => JSON.stringify('n'.repeat(64))).join(',')} and 32 more`;
      const text = answer(health, { url: `/readyz?${query}` }).body;
      assert.equal(text, `[-]db failed: reason withheld\nwarn: some health checks cannot be excluded: no matches for ${quoted}\nreadyz check failed\n`.replace(/^/, '[+]eventloop ok\n[+]startup ok\n[+]shutdown ok\n'));
      const json = JSON.parse(answer(health, { url: `/readyz?format=json&${query}` }).body) as CutDoc;
      assert.deepEqual(json.notes, [`some health checks cannot be excluded: no matches for ${quoted}`]);
    } finally {
      health.stop();
    }
  });

  test('excluding many checks by name keeps a cut JSON body under 10 KiB: the excluded names become a count', async () => {
    const names = Array.from({ length: 200 }, (_, i) => nameOf('e', i, 63));
    const health = await engineWith((h) => {
      for (const n of names) h.readiness(n, fail);
    });
    try {
      const got = answer(health, { url: `/readyz?format=json&${names.slice(0, 150).map((n) => `exclude=${n}`).join('&')}` }).body;
      assert.ok(Buffer.byteLength(got) <= KIB10, `${Buffer.byteLength(got)} bytes`);
      const doc = JSON.parse(got) as CutDoc;
      assert.equal(doc.notes[0], 'excluded: 150 checks (names omitted, body limit 10 KiB)');
      assert.deepEqual(Object.keys(doc.checks), names.slice(150), 'the 50 failing checks not excluded fit');
      assert.equal(doc.notes.length, 2, JSON.stringify(doc.notes));
    } finally {
      health.stop();
    }
  });
});
