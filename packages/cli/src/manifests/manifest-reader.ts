/**
 * Reads Kubernetes YAML (one or many documents, Helm/kustomize output, `kind: List`) and keeps the
 * source map, so every finding can say `file:line:col`.
 */
import { isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';

/** A path into a parsed object: map keys and sequence indexes. */
export type FieldPath = readonly (string | number)[];

/** 1-based line and column, as editors and SARIF count them. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** A malformed document: what the YAML parser said, and where. */
export interface ParseProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ManifestDocument {
  readonly file: string;
  /** 0-based position of the document in its file (`---` separated). */
  readonly index: number;
  /** The document as plain data. */
  readonly value: unknown;
  /**
   * Where `path` is in the source: the key when `at` is `'key'` (default), else the value. A path
   * that does not exist resolves to its deepest existing ancestor, so a missing field is reported
   * on the object that lacks it.
   */
  locate(path: FieldPath, at?: 'key' | 'value'): SourcePosition;
}

export interface ReadResult {
  readonly documents: readonly ManifestDocument[];
  readonly problems: readonly ParseProblem[];
}

/**
 * Parses every document of `text` as kubectl does (YAML 1.1 merge keys `<<: *anchor` are merged);
 * never throws for malformed input (it becomes a problem) and never writes warnings to stderr.
 */
export function readManifests(text: string, file: string): ReadResult {
  const lineCounter = new LineCounter();
  // NOTE: logLevel 'error' keeps the yaml library from calling process.emitWarning (it does for a
  // collection used as a key, which is what an unrendered `{{ .Values.x }}` parses to).
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true, logLevel: 'error' });
  const docs: readonly Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  const documents: ManifestDocument[] = [];
  const problems: ParseProblem[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const seen = new Set<string>();
  const problem = (position: SourcePosition, message: string): void => {
    const key = `${position.line}:${position.column}:${message}`;
    if (seen.has(key)) return; // the parser reports one unclosed bracket once per enclosing collection
    seen.add(key);
    problems.push({ file, ...position, message });
  };
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const offset = error.pos[0];
        // NOTE: prettyErrors appends a code excerpt after the first line; the position says it better.
        const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
        const opened = /^Flow (map|sequence) in block collection/.test(message) ? unclosedBracket(text, offset, message.startsWith('Flow map') ? '{' : '[') : undefined;
        if (opened !== undefined) {
          problem(at(opened), `\`${text[opened]}\` opened here is never closed`);
        } else {
          const start = error.linePos?.[0] ?? lineCounter.linePos(offset);
          problem({ line: start.line, column: start.col }, message);
        }
      }
      return;
    }
    if (doc.contents === null) return; // a comment-only document (Helm renders these)
    const placeholder = templatePlaceholder(doc, text);
    if (placeholder !== undefined) {
      problem(at(placeholder.offset), `\`${placeholder.text}\` is a template placeholder, not YAML: lint the rendered output (helm template, kustomize build)`);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      problem(at(doc.contents.range[0]), error instanceof Error ? error.message : String(error));
      return;
    }
    if (value === null || value === undefined) return;
    documents.push({
      file,
      index,
      value,
      locate: (path, where = 'key') => at(offsetOf(doc, path, where)),
    });
  });
  return { documents, problems };
}

/**
 * The offset of the `{` or `[` that is still open at `offset`: the parser reports an unclosed
 * flow collection where it gave up (often lines later), so we walk back to where it was opened.
 */
function unclosedBracket(text: string, offset: number, kind: '{' | '['): number | undefined {
  const stack: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\n') quote = undefined;
      continue;
    }
    if (ch === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if ((ch === '"' || ch === "'") && (i === 0 || /[\s,[{:]/.test(text[i - 1] as string))) {
      quote = ch;
    } else if (ch === '{' || ch === '[') {
      stack.push(i);
    } else if ((ch === '}' || ch === ']') && stack.length > 0) {
      stack.pop();
    }
  }
  for (let i = stack.length - 1; i >= 0; i--) {
    const open = stack[i] as number;
    if (text[open] === kind) return open;
  }
  return stack.at(-1);
}

/** A `{{ … }}` left by a template engine parses as a map used as a key; the first one, as written. */
function templatePlaceholder(doc: Document.Parsed, text: string): { offset: number; text: string } | undefined {
  let found: { offset: number; text: string } | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return undefined;
      const start = (pair.key as YamlNode).range?.[0] ?? 0;
      // The outer `{` of `{{` opened the map this pair belongs to, just before the key.
      const outer = text.lastIndexOf('{', Math.max(0, start - 1));
      const from = outer >= 0 && /^\s*$/.test(text.slice(outer + 1, start)) ? outer : start;
      const close = text.indexOf('}}', start);
      found = { offset: from, text: close >= 0 && !text.slice(from, close).includes('\n') ? text.slice(from, close + 2) : text.slice(from, start + 1) };
      return visit.BREAK;
    },
  });
  return found;
}

function offsetOf(doc: Document.Parsed, path: FieldPath, where: 'key' | 'value'): number {
  let node: YamlNode | null = resolve(doc, doc.contents);
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(doc, node, String(segment));
      if (!pair) return offset;
      const key = pair.key as YamlNode;
      if (last && where === 'key') return key.range?.[0] ?? offset;
      node = resolve(doc, pair.value as YamlNode | null);
      // `key:` with no value: point at the key.
      offset = node?.range?.[0] ?? key.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as YamlNode | undefined;
      if (!item) return offset;
      node = resolve(doc, item);
      offset = node?.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function resolve(doc: Document.Parsed, node: YamlNode | null | undefined): YamlNode | null {
  if (!node) return null;
  if (isAlias(node)) return (node.resolve(doc) as YamlNode | undefined) ?? node;
  return node;
}

/** The pair for `key` in a map, looking through merge keys (`<<: *anchor`) as kubectl merges them. */
function findPair(doc: Document.Parsed, map: YamlNode, key: string, depth = 0): Pair<unknown, unknown> | undefined {
  if (!isMap(map) || depth > 10) return undefined;
  const own = map.items.find((p) => isScalar(p.key) && typeof p.key.value !== 'symbol' && String(p.key.value) === key);
  if (own) return own as Pair<unknown, unknown>;
  for (const p of map.items) {
    // With `merge: true` the key's value is a symbol; its source text is `<<`.
    if (!isScalar(p.key) || (p.key.source !== '<<' && p.key.value !== '<<')) continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const source of sources) {
      const found = findPair(doc, resolve(doc, source as YamlNode) as YamlNode, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}
