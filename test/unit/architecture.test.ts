// The rules of docs/ARCHITECTURE.md ("what goes where"), held by a test so the folders keep telling
// the truth: every import and every use of `process` in src/ is checked against them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** The code of a file without its comments (a TSDoc example may mention `process.env`). */
function code(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every module specifier a file imports, statically or with `import()`. */
function imports(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

const files = sources().map((path) => ({ path, rel: relative(SRC, path).replace(/\\/g, '/'), text: code(path) }));
const folder = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '.');

describe('architecture rules', () => {
  it('finds the sources', () => assert.ok(files.length > 50));

  it('only src/cli/ touches process (argv, env, exit codes, the TTY, signals)', () => {
    const offenders = files.filter((f) => folder(f.rel) !== 'cli' && /\bprocess\s*\.\s*\w+/.test(f.text)).map((f) => f.rel);
    assert.deepEqual(offenders, []);
  });

  it('src/protocol/ is data in, data out: no node: imports, nothing above it', () => {
    const offenders = files
      .filter((f) => folder(f.rel) === 'protocol')
      .flatMap((f) =>
        imports(f.text)
          .filter((s) => s.startsWith('node:') || /^\.\.\/(cli|flows|server|stores|broker|lifecycle|transport)\//.test(s))
          .map((s) => `${f.rel} → ${s}`),
      );
    assert.deepEqual(offenders, []);
  });

  it('src/writers/ is pure text (or bytes) in, text out: no node: imports, no I/O modules', () => {
    const offenders = files
      .filter((f) => folder(f.rel) === 'writers')
      .flatMap((f) =>
        imports(f.text)
          .filter((s) => s.startsWith('node:') || /^\.\.\/(cli|flows|server|stores|broker|lifecycle|transport)\//.test(s))
          .map((s) => `${f.rel} → ${s}`),
      );
    assert.deepEqual(offenders, []);
  });

  it("oauth4webapi is used by the protocol layer (and the web flow's nonce) only: lifecycle, stores, server and cli never import it", () => {
    const offenders = files
      .filter(
        (f) =>
          ['lifecycle', 'stores', 'server', 'cli', 'writers', 'broker', 'transport'].includes(folder(f.rel)) &&
          imports(f.text).includes('oauth4webapi'),
      )
      .map((f) => f.rel);
    assert.deepEqual(offenders, []);
  });

  it('disk and database I/O lives in src/stores/ (and the CLI reading its own package.json, writing fds 1/2, loading its bundle)', () => {
    const io = /^(node:fs|node:fs\/promises|better-sqlite3|pg|kysely)$/;
    // cli/stdio.ts writes the process's stdout/stderr descriptors; cli/bin/load-run.ts reads
    // dist/cli/run.cjs and its V8 code cache; cli/bin/canned.ts reads dist/cli/help.json and
    // writes descriptor 1; transport/lite-crypto.ts reads the kernel's random device, not a file
    // (docs/ARCHITECTURE.md).
    const cliIo = ['cli/version.ts', 'cli/stdio.ts', 'cli/bin/load-run.ts', 'cli/bin/canned.ts', 'transport/lite-crypto.ts'];
    const offenders = files
      .filter((f) => folder(f.rel) !== 'stores' && !cliIo.includes(f.rel))
      .flatMap((f) =>
        imports(f.text)
          .filter((s) => io.test(s))
          .map((s) => `${f.rel} → ${s}`),
      );
    assert.deepEqual(offenders, []);
  });

  it('nothing of serve (Fastify, Kysely, the drivers) is imported statically outside src/server/serve/, src/stores/accounts/ and the serve command', () => {
    const serveOnly = /^(fastify|@fastify\/[\w-]+|kysely|better-sqlite3|pg|pino)$/;
    const offenders = files
      .filter((f) => !f.rel.startsWith('server/serve/') && !f.rel.startsWith('stores/accounts/'))
      .flatMap((f) =>
        [...f.text.matchAll(/(?:from\s+|import\s+)['"]([^'"]+)['"]/g)]
          .map((m) => m[1]!)
          .filter((s) => serveOnly.test(s))
          .map((s) => `${f.rel} → ${s}`),
      );
    assert.deepEqual(offenders, []);
  });

  it('the library entries never import the CLI', () => {
    for (const entry of ['index.ts', 'web.ts']) {
      const text = files.find((f) => f.rel === entry)!.text;
      assert.deepEqual(
        imports(text).filter((s) => s.startsWith('./cli/')),
        [],
        entry,
      );
    }
  });
});
