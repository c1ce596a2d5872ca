import { createHash, timingSafeEqual } from 'node:crypto';
import { formatMs } from '../engine/errors.js';
import { evaluate, verdictOf, probeLines, type ProbeLine, type ProbeTarget, type ProbeVerdict } from '../engine/evaluate.js';
import type { HealthSnapshot } from '../engine/types.js';
import { ENDPOINT_NAMES, PATH_TARGETS } from './endpoints.js';
import { MAX_PROBE_BODY_BYTES } from '../kubelet/facts.js';

/** The parts of an HTTP request a probe answer depends on. */
export interface ProbeRequest {
  readonly method: string;
  /** Path and query, e.g. `/readyz?verbose&exclude=redis`. */
  readonly url: string;
  readonly accept?: string | undefined;
  readonly authorization?: string | undefined;
}

/** What the answer depends on besides the snapshot and the request. */
export interface RenderContext {
  /** Current time (clock ms), for "last success 12 s ago". */
  readonly now: number;
  /** How long the main event loop has been blocked (see the watchdog). */
  readonly loopBlockedMs: number;
  /** Requests presenting `Authorization: Bearer <token>` see details. Unset: nobody does. */
  readonly detailsToken?: string | undefined;
}

export interface ProbeResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The body limit: the kubelet's (kubelet/facts.ts). */
export const MAX_BODY_BYTES = MAX_PROBE_BODY_BYTES;

/** NOTE: own keys only: a request-target such as `__proto__` or `constructor` names no probe. */
function probePathOf(path: string): ProbeTarget | undefined {
  return Object.hasOwn(PATH_TARGETS, path) ? PATH_TARGETS[path] : undefined;
}

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;
const TEXT = 'text/plain; charset=utf-8';
const HEALTH_JSON = 'application/health+json';

/** The probe target a path names, with the check name for `/readyz/<check>`; undefined if not a probe path. */
export function matchProbePath(pathname: string): { readonly probe: ProbeTarget; readonly check?: string } | undefined {
  const direct = probePathOf(pathname);
  if (direct) return { probe: direct };
  const slash = pathname.indexOf('/', 1);
  if (slash < 0) return undefined;
  const probe = probePathOf(pathname.slice(0, slash));
  if (!probe) return undefined;
  let check: string;
  try {
    check = decodeURIComponent(pathname.slice(slash + 1));
  } catch {
    return undefined;
  }
  if (check === '' || check.includes('/')) return undefined;
  return { probe, check };
}

/**
 * The one function behind every probe endpoint: the answer to `request` given `snapshot`.
 * Pure — no I/O, no clock reads; the caller passes time and loop state in `context`.
 */
export function render(snapshot: HealthSnapshot, request: ProbeRequest, context: RenderContext): ProbeResponse {
  const q = request.url.indexOf('?');
  // Stryker disable next-line EqualityOperator: a target that starts with `?` has no probe path either way (404)
  const pathname = q < 0 ? request.url : request.url.slice(0, q);
  const match = matchProbePath(pathname);
  if (!match) return plain(404, 'not found\n', request.method);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { ...COMMON_HEADERS, allow: 'GET, HEAD', 'content-type': TEXT, 'content-length': '19' }, body: 'method not allowed\n' };
  }
  // Stryker disable next-line EqualityOperator,ConditionalExpression: without `?` the path is an endpoint's own (no `=`, `&` or known key), so parsing it finds no option
  const params = new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1));
  const details = authorized(request.authorization, context.detailsToken);
  let verdict: ProbeVerdict;
  if (match.check !== undefined) {
    const line = probeLines(snapshot, match.probe, context.loopBlockedMs).find((l) => l.name === match.check);
    if (!line) return plain(404, `no check named ${JSON.stringify(match.check.slice(0, 64))} on ${ENDPOINT_NAMES[match.probe]}\n`, request.method);
    verdict = verdictOf([line]);
  } else {
    verdict = evaluate(snapshot, match.probe, { loopBlockedMs: context.loopBlockedMs, exclude: params.getAll('exclude') });
  }
  const status = verdict.ok ? 200 : 503;
  const name = ENDPOINT_NAMES[match.probe];
  const json = params.get('format') === 'json' || wantsJson(request.accept);
  const body = json
    ? jsonBody(verdict, name, details, context.now)
    : textBody(verdict, name, details, params.has('verbose'), context.now);
  return {
    status,
    headers: { ...COMMON_HEADERS, 'content-type': json ? HEALTH_JSON : TEXT, 'content-length': String(Buffer.byteLength(body)) },
    body: request.method === 'HEAD' ? '' : body,
  };
}

function plain(status: number, body: string, method: string): ProbeResponse {
  return {
    status,
    headers: { ...COMMON_HEADERS, 'content-type': TEXT, 'content-length': String(Buffer.byteLength(body)) },
    body: method === 'HEAD' ? '' : body,
  };
}

/** Constant-time comparison of the presented bearer token with the configured one. */
export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header) return false;
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match?.[1]) return false;
  // Hashing first gives equal lengths, so timingSafeEqual reveals nothing about the token's length.
  const a = createHash('sha256').update(match[1]).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** True when the Accept header prefers a JSON type over text. */
export function wantsJson(accept: string | undefined): boolean {
  // NOTE: media types are case-insensitive (RFC 9110 §8.3.1), so the quick test is too.
  if (!accept || !accept.toLowerCase().includes('json')) return false;
  let best = { json: false, q: -1 };
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const [k, val] = p.trim().split('=');
      if (k === 'q' && val !== undefined) q = Number.parseFloat(val) || 0;
    }
    if (q <= 0) continue;
    const json = type === 'application/health+json' || type === 'application/json';
    const text = type === 'text/plain' || type === 'text/*';
    if ((json || text) && q > best.q) best = { json, q };
  }
  return best.json;
}

function reasonOf(line: ProbeLine, details: boolean, now: number): string {
  const reason = line.reason ?? 'failed';
  if (!details) return line.reasonPublic ? reason : 'reason withheld';
  return reason + detailSuffix(line, now);
}

function detailSuffix(line: ProbeLine, now: number): string {
  const run = line.check?.lastRun;
  const parts: string[] = [];
  if (run) parts.push(`took ${formatMs(run.durationMs)}`);
  const observed = run?.details?.observedValue;
  // Stryker disable next-line OptionalChaining: observed is defined only when run and run.details are
  if (observed !== undefined && !(run?.details?.observedUnit === 'ms' && observed === run.durationMs)) {
    // Stryker disable next-line OptionalChaining: as above, run.details is defined here
    parts.push(`observed ${String(observed)}${run?.details?.observedUnit ? ` ${run.details.observedUnit}` : ''}`);
  }
  if (line.status !== 'pass' && line.check?.lastSuccessAt !== undefined) parts.push(`last success ${formatMs(Math.max(0, now - line.check.lastSuccessAt))} ago`);
  else if (line.status !== 'pass' && line.check && line.check.kind === 'check') parts.push('never succeeded');
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function textLine(line: ProbeLine, details: boolean, now: number): string {
  switch (line.status) {
    case 'pass':
      return `[+]${line.name} ok${details && line.check?.kind === 'check' ? detailSuffix(line, now) : ''}`;
    case 'excluded':
      return `[+]${line.name} excluded: ok`;
    case 'fail':
      return `[-]${line.name} failed: ${reasonOf(line, details, now)}`;
    case 'warn':
      return `[!]${line.name} warn: ${reasonOf(line, details, now)}`;
  }
}

function textBody(verdict: ProbeVerdict, name: string, details: boolean, verbose: boolean, now: number): string {
  if (verdict.ok && !verbose) return 'ok';
  let lines = verdict.lines.map((line) => textLine(line, details, now));
  const tail: string[] = [];
  if (verdict.unmatchedExcludes.length > 0) {
    tail.push(`warn: some health checks cannot be excluded: no matches for ${quoteUnmatched(verdict.unmatchedExcludes)}`);
  }
  tail.push(`${name} check ${verdict.ok ? 'passed' : 'failed'}`);
  const size = (ls: readonly string[]): number => Buffer.byteLength(ls.join('\n')) + Buffer.byteLength(tail.join('\n')) + 2;
  if (size(lines) > MAX_BODY_BYTES) {
    // Keep what matters: failing and warning lines first, passing ones dropped.
    const kept = lines.filter((_, i) => {
      const status = verdict.lines[i]!.status;
      return status === 'fail' || status === 'warn';
    });
    const dropped = lines.length - kept.length;
    lines = dropped > 0 ? [...kept, `[+]... ${dropped} passing checks omitted (body limit 10 KiB)`] : kept;
    while (size(lines) > MAX_BODY_BYTES) {
      // NOTE: only a guard against a loop without end: a line is at most a check name and its
      // reason, and the tail is bounded (quoteUnmatched), so the body fits long before one line is left.
      // Stryker disable next-line ConditionalExpression,EqualityOperator: unreachable, see the note above
      if (lines.length <= 1) break;
      const cut = lines.length;
      lines = lines.slice(0, Math.floor(cut * 0.8));
      lines.push(`[-]... ${cut - lines.length} more lines omitted (body limit 10 KiB)`);
    }
  }
  return `${[...lines, ...tail].join('\n')}\n`;
}

/** Unmatched `?exclude=` names quoted back: at most 8, each cut to 64 characters, so a hostile query cannot push a body past the cap. */
export function quoteUnmatched(names: readonly string[]): string {
  const quoted = names.slice(0, MAX_QUOTED_NAMES).map((n) => JSON.stringify(n.slice(0, 64))).join(',');
  return names.length > MAX_QUOTED_NAMES ? `${quoted} and ${names.length - MAX_QUOTED_NAMES} more` : quoted;
}
const MAX_QUOTED_NAMES = 8;

interface JsonEntry {
  status: 'pass' | 'fail' | 'warn';
  componentType?: string;
  time?: string;
  observedValue?: number | string | boolean;
  observedUnit?: string;
  output?: string;
  'probekit:dependency'?: boolean;
  'probekit:probes'?: readonly string[];
  'probekit:lastSuccess'?: string;
}

/** The IETF draft "Health Check Response Format for HTTP APIs" (draft-inadarei-api-health-check). */
function jsonBody(verdict: ProbeVerdict, name: string, details: boolean, now: number): string {
  // NOTE: keyed by check names: without a prototype, a check named `constructor` or `toString` is a key like any other.
  const checks: Record<string, JsonEntry[]> = Object.create(null) as Record<string, JsonEntry[]>;
  const excluded: string[] = [];
  for (const line of verdict.lines) {
    if (line.status === 'excluded') {
      excluded.push(line.name);
      continue;
    }
    const run = line.check?.lastRun;
    const measurement = run?.details?.measurement ?? (run?.details?.observedUnit === 'ms' ? 'responseTime' : undefined);
    const key = measurement ? `${line.name}:${measurement}` : line.name;
    const entry: JsonEntry = { status: line.status };
    const componentType = line.check?.componentType ?? run?.details?.componentType ?? (line.check ? undefined : 'system');
    if (componentType) entry.componentType = componentType;
    if (line.status !== 'pass' && line.reasonPublic && line.reason) entry.output = line.reason;
    if (details) {
      if (run) entry.time = new Date(run.at).toISOString();
      if (run?.details?.observedValue !== undefined) entry.observedValue = run.details.observedValue;
      if (run?.details?.observedUnit !== undefined) entry.observedUnit = run.details.observedUnit;
      if (line.status !== 'pass') entry.output = reasonOf(line, true, now);
      else if (run?.details?.output) entry.output = run.details.output;
      if (line.check) {
        entry['probekit:dependency'] = line.check.dependency;
        entry['probekit:probes'] = line.check.probes;
        if (line.check.lastSuccessAt !== undefined) entry['probekit:lastSuccess'] = new Date(line.check.lastSuccessAt).toISOString();
      }
    }
    (checks[key] ??= []).push(entry);
  }
  const unmatched = verdict.unmatchedExcludes.length > 0 ? [`some health checks cannot be excluded: no matches for ${quoteUnmatched(verdict.unmatchedExcludes)}`] : [];
  const notes = [...excluded.map((n) => `excluded: ${n}`), ...unmatched];
  const status = !verdict.ok ? 'fail' : verdict.warn ? 'warn' : 'pass';
  const doc: Record<string, unknown> = { status, description: `probekit ${name}` };
  if (status !== 'pass') doc['output'] = `${name} check ${verdict.ok ? 'passed with warnings' : 'failed'}`;
  if (notes.length > 0) doc['notes'] = notes;
  doc['checks'] = checks;
  const body = JSON.stringify(doc);
  if (Buffer.byteLength(body) <= MAX_BODY_BYTES) return body;
  // Cut: the excluded names (up to one per check) become a count, as the dropped checks do.
  const cutNotes = excluded.length > 0 ? [`excluded: ${excluded.length} checks (names omitted, body limit 10 KiB)`, ...unmatched] : unmatched;
  return truncatedJson(doc, checks, cutNotes);
}

/**
 * The JSON body cut to the kubelet's 10 KiB: passing checks dropped first, then failing ones from
 * the end. Linear in the number of checks: each entry is serialized once to learn its size.
 */
function truncatedJson(doc: Record<string, unknown>, checks: Record<string, JsonEntry[]>, notes: readonly string[]): string {
  const keys = Object.keys(checks);
  // Stryker disable next-line MethodExpression: every key holds one entry (names are unique and cannot contain `:`), so some() and every() agree
  const failing = keys.filter((key) => checks[key]!.some((e) => e.status !== 'pass'));
  const passing = keys.length - failing.length;
  const noteOf = (dropped: number): string =>
    dropped === passing ? `${dropped} passing checks omitted (body limit 10 KiB)` : `${dropped} checks omitted (body limit 10 KiB)`;
  // The document without entries, with the longest note it can end with (every check dropped, all
  // of them passing ones): what every kept entry adds to.
  doc['notes'] = [...notes, `${keys.length} passing checks omitted (body limit 10 KiB)`];
  doc['checks'] = {};
  let size = Buffer.byteLength(JSON.stringify(doc));
  const kept: Record<string, JsonEntry[]> = Object.create(null) as Record<string, JsonEntry[]>;
  let count = 0;
  for (const key of failing) {
    // `"key":[…]` plus the comma before every entry but the first.
    const entrySize = Buffer.byteLength(JSON.stringify(key)) + 1 + Buffer.byteLength(JSON.stringify(checks[key])) + (count > 0 ? 1 : 0);
    if (size + entrySize > MAX_BODY_BYTES) break;
    size += entrySize;
    kept[key] = checks[key]!;
    count += 1;
  }
  doc['notes'] = [...notes, noteOf(keys.length - count)];
  doc['checks'] = kept;
  return JSON.stringify(doc);
}
