/**
 * Extracts the ```ts snippets of README.md and docs/ and type-checks them under strict settings
 * against the real libraries' types (test code: not shipped).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface Snippet {
  /** `docs/api.md:12`: where the block's first code line is. */
  readonly where: string;
  readonly code: string;
}

export interface SnippetError {
  readonly where: string;
  readonly message: string;
}

/** Every ```ts / ```typescript block of README.md, the packages' READMEs and docs/ under `root`. */
export function extractSnippets(root: string): Snippet[] {
  const packages = readdirSync(join(root, 'packages')).map((p) => join('packages', p, 'README.md')).filter((f) => existsSync(join(root, f)));
  const files = ['README.md', ...packages, ...readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
  const snippets: Snippet[] = [];
  for (const file of files.sort()) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i] ?? '')) continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
      snippets.push({ where: `${file.replaceAll('\\', '/')}:${start + 1}`, code: lines.slice(start, end).join('\n') });
      i = end;
    }
  }
  return snippets;
}

/**
 * Type-checks each snippet as its own ES module (top-level await allowed) beside the prelude, a
 * file of `declare`d names with their real types (`health`, `pool`, …) that snippets may use
 * without constructing them. Nothing is written: the snippets are virtual files under `root`.
 */
export function checkSnippets(root: string, snippets: readonly Snippet[], prelude: string): SnippetError[] {
  const dir = join(root, 'docs', '.snippets');
  const virtual = new Map<string, string>();
  virtual.set(join(dir, 'prelude.d.ts'), prelude);
  const byFile = new Map<string, Snippet>();
  snippets.forEach((s, i) => {
    const file = join(dir, `snippet${i}.ts`);
    virtual.set(file, `${s.code}\nexport {};\n`);
    byFile.set(file, s);
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    // snippets may show the same name in several blocks: each block is its own module
    isolatedModules: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => virtual.get(f) ?? readFile(f);
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = virtual.get(f);
    return text === undefined ? getSourceFile(f, lang, onError, create) : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const errors: SnippetError[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const snippet = d.file === undefined ? undefined : byFile.get(d.file.fileName);
    if (snippet === undefined || d.file === undefined || d.start === undefined) {
      errors.push({ where: d.file === undefined ? '(global)' : relative(root, d.file.fileName), message });
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const [file, first] = snippet.where.split(':');
    errors.push({ where: `${file}:${Number(first) + line}`, message });
  }
  return errors;
}
