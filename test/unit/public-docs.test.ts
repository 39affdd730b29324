/**
 * Issue 7 §1, "document every export": the public surface (`ads-oauth` = src/index.ts,
 * `ads-oauth/web` = src/web.ts) carries TSDoc, read through the TypeScript compiler API:
 *
 * - every export has a doc comment;
 * - every exported function has a `@param` for each parameter and an `@example`;
 * - every function that implements a protocol step has a `@see` to its RFC (rfc-editor.org) or
 *   OpenID (openid.net) section;
 * - every `@example` compiles: each is written to its own module importing only 'ads-oauth' /
 *   'ads-oauth/web' (and node: built-ins) and type-checked with the project's tsconfig, whose
 *   `paths` map the package names to src, so an example cannot drift from the real signatures.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRIES = { 'ads-oauth': 'src/index.ts', 'ads-oauth/web': 'src/web.ts' } as const;
/** Functions named after a protocol step: they must link the specification they implement. */
const PROTOCOL_STEPS = [
  'exchangeCode',
  'refreshAccessToken',
  'revokeToken',
  'validateCallback',
  'createAuthorizationRequest',
  'runLoopbackFlow',
  'fetchTokenInfo',
];
const SPEC_LINK = /https:\/\/(?:www\.)?(?:rfc-editor\.org|openid\.net)\//;

function projectOptions(): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  assert.equal(read.error, undefined, 'tsconfig.json must parse');
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
  return { ...parsed.options, noEmit: true };
}

interface ExportInfo {
  entry: keyof typeof ENTRIES;
  name: string;
  symbol: ts.Symbol;
  declaration: ts.Declaration | undefined;
  doc: string;
  tags: ts.JSDocTagInfo[];
  parameters: string[] | undefined;
}

function tagText(tag: ts.JSDocTagInfo): string {
  return ts.displayPartsToString(tag.text);
}

/** The parameter names of a function-valued export, or undefined for anything else. */
function functionParameters(declaration: ts.Declaration | undefined): string[] | undefined {
  if (!declaration) return undefined;
  let fn: ts.SignatureDeclaration | undefined;
  if (ts.isFunctionDeclaration(declaration)) fn = declaration;
  else if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
    const init = declaration.initializer;
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) fn = init;
  }
  return fn?.parameters.map((p) => p.name.getText());
}

function collectExports(): ExportInfo[] {
  const program = ts.createProgram(
    Object.values(ENTRIES).map((file) => join(root, file)),
    projectOptions(),
  );
  const checker = program.getTypeChecker();
  const out: ExportInfo[] = [];
  for (const [entry, file] of Object.entries(ENTRIES) as [keyof typeof ENTRIES, string][]) {
    const source = program.getSourceFile(join(root, file));
    assert.ok(source, `${file} is in the program`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    assert.ok(moduleSymbol, `${file} is a module`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declaration = symbol.declarations?.[0];
      out.push({
        entry,
        name: exported.name,
        symbol,
        declaration,
        doc: ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim(),
        tags: symbol.getJsDocTags(checker),
        parameters: functionParameters(declaration),
      });
    }
  }
  return out;
}

/** The code of an `@example` tag: its fenced blocks, or the whole text when it has no fence. */
function exampleCode(text: string): string[] {
  const fenced = [...text.matchAll(/```(?:ts|typescript)?\s*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return fenced.length > 0 ? fenced : [text];
}

const exportsList = collectExports();

describe('public API documentation', () => {
  test('both entries export something (the check reads the real surface)', () => {
    for (const entry of Object.keys(ENTRIES)) {
      assert.ok(exportsList.filter((e) => e.entry === entry).length > 5, `${entry} has exports`);
    }
    assert.ok(exportsList.some((e) => e.name === 'exchangeCode' && e.parameters?.length === 4));
  });

  test('every export has a doc comment', () => {
    const missing = exportsList.filter((e) => e.doc === '').map((e) => `${e.entry}: ${e.name}`);
    assert.deepEqual(missing, [], `exports without a doc comment:\n${missing.join('\n')}`);
  });

  test('every exported function documents each parameter and has an @example', () => {
    const problems: string[] = [];
    for (const e of exportsList) {
      if (e.parameters === undefined) continue;
      const params = e.tags.filter((t) => t.name === 'param').map(tagText);
      for (const p of e.parameters) {
        if (!params.some((text) => text === p || text.startsWith(`${p} `) || text.startsWith(`${p}\n`))) {
          problems.push(`${e.entry}: ${e.name} has no @param ${p}`);
        }
      }
      if (!e.tags.some((t) => t.name === 'example')) problems.push(`${e.entry}: ${e.name} has no @example`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  test('every protocol step links its specification (@see rfc-editor.org / openid.net)', () => {
    const problems: string[] = [];
    for (const name of PROTOCOL_STEPS) {
      const e = exportsList.find((x) => x.name === name);
      if (!e) {
        problems.push(`${name} is not exported any more: update PROTOCOL_STEPS`);
        continue;
      }
      if (!e.tags.some((t) => t.name === 'see' && SPEC_LINK.test(tagText(t))))
        problems.push(`${name} has no @see to an RFC or OpenID spec`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  describe('every @example type-checks against the real signatures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ads-oauth-examples-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    const files = new Map<string, string>();
    const seen = new Set<ts.Symbol>();
    const problems: string[] = [];
    for (const e of exportsList) {
      if (seen.has(e.symbol)) continue;
      seen.add(e.symbol);
      e.tags
        .filter((t) => t.name === 'example')
        .forEach((tag, index) => {
          for (const [block, code] of exampleCode(tagText(tag)).entries()) {
            const label = `${e.name} @example ${index + 1}${block > 0 ? `.${block + 1}` : ''}`;
            if (!/from 'ads-oauth(?:\/web)?'/.test(code)) problems.push(`${label} does not import from 'ads-oauth' or 'ads-oauth/web'`);
            const imports = [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
            for (const spec of imports) {
              if (spec !== 'ads-oauth' && spec !== 'ads-oauth/web' && !spec.startsWith('node:')) {
                problems.push(`${label} imports '${spec}': examples use only the package and node: built-ins`);
              }
            }
            const file = join(dir, `${e.name}-${index + 1}-${block + 1}.mts`);
            // `export {}` keeps a snippet without imports a module; the label points back to the export.
            writeFileSync(file, `// ${label}\n${code}\nexport {};\n`);
            files.set(file, label);
          }
        });
    }

    test('each example imports the package (self-contained)', () => {
      assert.ok(files.size >= 30, `found ${files.size} examples`);
      assert.deepEqual(problems, [], problems.join('\n'));
    });

    test('no type errors in any example', () => {
      // Examples show values without always using them; everything else is the project's setting.
      const options = { ...projectOptions(), noUnusedLocals: false, noUnusedParameters: false };
      const program = ts.createProgram([...files.keys()], options);
      const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file === undefined || files.has(resolve(d.file.fileName)));
      const report = diagnostics.map((d) => {
        const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        if (!d.file || d.start === undefined) return message;
        const { line } = d.file.getLineAndCharacterOfPosition(d.start);
        const text = d.file.text.split('\n')[line] ?? '';
        return `${files.get(resolve(d.file.fileName))} (line ${line}): ${message}\n    ${text.trim()}`;
      });
      assert.deepEqual(report, [], `type errors in @example blocks:\n${report.join('\n')}`);
    });
  });
});
