// Proofreading that a machine can hold (issue 7 defect 9: "for the the accessible-customers
// request"): no doubled word and none of the usual misspellings in any message, help text or doc.
// Source files are read whole, so a doubled word split across a line break or a template
// literal's `${…}`-free seam is caught too.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...files(rel, ext));
    else if (ext.test(name)) out.push(rel);
  }
  return out;
}

/** Words that are legitimately written twice in a row. */
const ALLOWED_DOUBLES = new Set(['that', 'had', 'is']);
const MISSPELLINGS =
  /\b(teh|recieve\w*|occured|seperat\w*|adress\w*|accesible|wich|untill|succesful\w*|sucess\w*|existant|paramter\w*|authorisation code|occurence\w*|dependan(t|cy))\b/i;

function problems(text: string): string[] {
  const found: string[] = [];
  // Comments and prose alike: a doubled word is a slip wherever it is.
  // (The second word must end there: `status status-active` is two CSS classes, not a slip.)
  for (const m of text.matchAll(/(?<![\w-])([A-Za-z]+)(?:\s|\s*(?:\/\/|\*|')?\s*\+?\s*'?)\s*\1(?![\w-])/g)) {
    const word = m[1]!.toLowerCase();
    if (ALLOWED_DOUBLES.has(word) || (word.length < 2 && word !== 'a')) continue;
    if (/^[A-Z]+$/.test(m[1]!) && m[1]!.length > 1) continue; // constants such as ID ID in tables
    found.push(`doubled "${m[0].replace(/\s+/g, ' ')}"`);
  }
  const typo = MISSPELLINGS.exec(text);
  if (typo) found.push(`misspelt "${typo[0]}"`);
  return found;
}

describe('proofreading', () => {
  const targets = [...files('src', /\.ts$/), ...files('scripts', /\.(ts|mjs)$/), 'README.md', ...files('docs', /\.md$/)];

  it('covers the sources, the scripts and the docs', () => {
    assert.ok(targets.length > 40, targets.join(', '));
  });

  for (const file of targets) {
    it(`${file}: no doubled word, no common misspelling`, () => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      assert.deepEqual(problems(text), []);
    });
  }

  it('the checker itself finds what it is for', () => {
    assert.deepEqual(problems('request for the the accessible-customers request'), ['doubled "the the"']);
    assert.deepEqual(problems('`…for the\n    the accessible-customers request`'), ['doubled "the the"']);
    assert.deepEqual(problems("'for the ' +\n  'the request'"), ['doubled "the \' + \'the"']);
    assert.deepEqual(problems('we recieved it'), ['misspelt "recieved"']);
    assert.deepEqual(problems('said that that was fine'), []);
  });
});

describe('the README quotes the examples exactly', () => {
  it('every ```ts block that opens like an examples/ file is that file, byte for byte', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const quoted = [...readme.matchAll(/\[examples\/([\w-]+\.ts)\]\(examples\/\1\)\)?:\n\n```ts\n([\s\S]*?)\n```/g)];
    assert.ok(quoted.length >= 2, 'the README quotes examples/desktop-flow.ts and examples/verify-token.ts');
    for (const [, name, body] of quoted) {
      assert.equal(
        `${body}\n`,
        readFileSync(join(ROOT, 'examples', name!), 'utf8'),
        `README's copy of examples/${name} differs from the file`,
      );
    }
  });
});
