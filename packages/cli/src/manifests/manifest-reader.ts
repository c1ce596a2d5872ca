/**
 * Reads Kubernetes YAML (one or many documents, Helm/kustomize output, `kind: List`) and keeps the
 * source map, so every finding can say `file:line:col`.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';

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

/** Parses every document of `text`; never throws for malformed input (it becomes a problem). */
export function readManifests(text: string, file: string): ReadResult {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const docs: readonly Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  const documents: ManifestDocument[] = [];
  const problems: ParseProblem[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const start = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        // NOTE: prettyErrors appends a code excerpt after the first line; the position says it better.
        const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
        problems.push({ file, line: start.line, column: start.col, message });
      }
      return;
    }
    if (doc.contents === null) return; // a comment-only document (Helm renders these)
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const start = at(doc.contents.range[0]);
      problems.push({ file, ...start, message: error instanceof Error ? error.message : String(error) });
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

function offsetOf(doc: Document.Parsed, path: FieldPath, where: 'key' | 'value'): number {
  let node: YamlNode | null = resolve(doc, doc.contents);
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
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
