// `.gitignore` matching checked against git itself: random trees with random `.gitignore` files
// at the root and in sub-folders (negations, anchors, `dir/`, `**`, `*`, `?`, classes, escapes,
// trailing spaces, comments), every file and folder asked of `Tracking` and of
// `git check-ignore --no-index` in a real repository. Tracking compares names case-insensitively
// (as it always has: the `ignore` package's default), so git runs with `core.ignorecase=true`.
// Reproduce a failure with IGNORE_SEED=<seed> (and IGNORE_PATH=<path>) printed by fast-check.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import ignore from 'ignore';
import { GitignoreMatcher, foldCase } from '../../src/core/ignoreMatcher';
import { Tracking } from '../../src/core/tracking';
import { tempDir } from './helpers';

// Names in the trees: no two differ only in case (a case-insensitive git would take them as one).
const NAMES = ['a', 'b', 'ab', 'a.b', 'B.a', '.a', 'x.log', 'c1', 'a b', 'a*b', '!a', '#a', 'D', 'ba', 'b.log'];

// Pieces of patterns. `**` only ever fills a whole segment: `a**` and `**\/` are the package's
// documented differences from git (README, "A run of asterisks").
const LITERALS = ['a', 'A', 'b', 'B', 'ab', 'aB', '.', '.a', '.log', 'x', 'c', '1', 'D', 'd', ' ', '!', '#'];
const atomArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...LITERALS) },
  { weight: 3, arbitrary: fc.constant('*') },
  { weight: 2, arbitrary: fc.constant('?') },
  { weight: 2, arbitrary: fc.constantFrom('[ab]', '[!a]', '[^b]', '[a-c]', '[A-C]', '[[:alpha:]]', '[[:digit:]]', '[.]', '[]a]', '[*]', '[a-]') },
  { weight: 1, arbitrary: fc.constantFrom('\\*', '\\a', '\\ ', '\\!', '\\?', '\\[', '\\.', '\\#') },
);
const segmentArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant('**') },
  {
    weight: 8,
    arbitrary: fc.array(atomArb, { minLength: 1, maxLength: 3 }).map((atoms) => {
      // no run of two stars inside a segment (see above)
      let s = '';
      for (const a of atoms) s += s.endsWith('*') && a.startsWith('*') ? 'x' + a : a;
      return s;
    }),
  },
);
const lineArb = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record({
        neg: fc.constantFrom('', '', '', '!', '\\!', '\\#'),
        lead: fc.constantFrom('', '', '/', '**/'),
        segs: fc.array(segmentArb, { minLength: 1, maxLength: 3 }),
        trail: fc.constantFrom('', '', '/'),
        spaces: fc.constantFrom('', '', '', ' ', '  ', '\\ ', '\t'),
      })
      .map(({ neg, lead, segs, trail, spaces }) => neg + lead + segs.join('/') + trail + spaces),
  },
  { weight: 1, arbitrary: fc.constantFrom('', '# a comment', '#a', '!', '/', '**', '/**', '*', '\\', 'a\\') },
);
// Lines naming what is in the trees (in any case), so that rules of different files meet on the
// same paths: a folder excluded by one `.gitignore` and re-included by a deeper one, and so on.
const caseArb = (name: string) => fc.boolean().map((up) => (up ? name.toUpperCase() : name));
const namedLineArb = fc
  .record({
    neg: fc.constantFrom('', '', '!'),
    lead: fc.constantFrom('', '', '/', '**/'),
    names: fc.array(fc.constantFrom(...NAMES).chain(caseArb), { minLength: 1, maxLength: 2 }),
    trail: fc.constantFrom('', '/', '/**'),
  })
  .map(({ neg, lead, names, trail }) => neg + lead + names.map((n) => n.replace(/[*!#]/g, (c) => '\\' + c)).join('/') + trail);
const rulesArb = (max: number) =>
  fc.array(fc.oneof({ weight: 3, arbitrary: lineArb }, { weight: 2, arbitrary: namedLineArb }), { minLength: 0, maxLength: max }).map((ls) => ls.join('\n') + '\n');

const treeArb = fc
  .array(fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 14 })
  .map((paths) => {
    const dirs = new Set<string>();
    for (const p of paths) for (let k = 1; k < p.length; k++) dirs.add(p.slice(0, k).join('/'));
    const files = [...new Set(paths.map((p) => p.join('/')))].filter((f) => !dirs.has(f));
    return { dirs: [...dirs].sort(), files };
  });

const scenarioArb = treeArb.chain((tree) =>
  fc.record({
    tree: fc.constant(tree),
    root: rulesArb(14),
    // a .gitignore in some of the folders
    nested: fc.array(fc.tuple(fc.constantFrom(...(tree.dirs.length ? tree.dirs : ['a'])), rulesArb(8)), { maxLength: 3 }),
  }),
);

interface Scenario {
  tree: { dirs: string[]; files: string[] };
  root: string;
  nested: [string, string][];
}

/** Excluded or not, per path, as git says. */
function gitVerdicts(ws: string, paths: string[]): Map<string, boolean> {
  // exit status 1: none of the paths is excluded
  const r = spawnSync('git', ['-c', 'core.ignorecase=true', 'check-ignore', '--stdin', '-z', '--no-index', '--non-matching', '-v'], {
    cwd: ws,
    input: paths.map((p) => p + '\0').join(''),
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git check-ignore failed (${r.status}): ${r.stderr}`);
  const out = r.stdout.toString('utf8');
  const f = out.split('\0');
  const verdicts = new Map<string, boolean>();
  for (let k = 0; k + 3 < f.length; k += 4) {
    const [source, , pattern, p] = f.slice(k, k + 4);
    verdicts.set(p, source !== '' && !pattern.startsWith('!'));
  }
  return verdicts;
}

function check(base: string, s: Scenario, n: number): void {
  const ws = path.join(base, `ws${n}`);
  fs.mkdirSync(ws);
  execFileSync('git', ['init', '-q'], { cwd: ws });
  for (const d of s.tree.dirs) fs.mkdirSync(path.join(ws, d), { recursive: true });
  for (const f of s.tree.files) fs.writeFileSync(path.join(ws, f), 'x');
  fs.writeFileSync(path.join(ws, '.gitignore'), s.root);
  const nestedFiles: string[] = [];
  for (const [d, text] of s.nested) {
    if (!s.tree.dirs.includes(d)) continue;
    fs.writeFileSync(path.join(ws, d, '.gitignore'), text);
    nestedFiles.push(`${d}/.gitignore`);
  }
  const paths = [...s.tree.dirs.map((d) => ({ rel: d, isDir: true })), ...[...s.tree.files, '.gitignore', ...nestedFiles].map((rel) => ({ rel, isDir: false }))];
  const git = gitVerdicts(ws, paths.map((p) => p.rel));
  const tracking = new Tracking({ exclude: [], maxFileSize: 1 << 30 }, fs);
  for (const { rel, isDir } of paths) {
    const ours = tracking.excludedWithAncestors(ws, rel, isDir) !== undefined;
    const theirs = git.get(rel);
    assert.notEqual(theirs, undefined, `git said nothing about ${rel}`);
    assert.equal(
      ours,
      theirs,
      `${isDir ? 'folder' : 'file'} ${JSON.stringify(rel)}: Tracking says ${ours ? 'excluded' : 'included'}, git ${theirs ? 'excluded' : 'included'}\n` +
        `.gitignore:\n${s.root}` +
        s.nested.map(([d, t]) => `${d}/.gitignore:\n${t}`).join(''),
    );
  }
  fs.rmSync(ws, { recursive: true, force: true });
}

describe('.gitignore matching, against git check-ignore', () => {
  it('random rules, nested .gitignore files and random trees: the same verdict as git for every file and folder', () => {
    const base = tempDir('st-ignore-');
    let n = 0;
    try {
      fc.assert(
        fc.property(scenarioArb, (s) => check(base, s, n++)),
        {
          numRuns: Number(process.env.IGNORE_RUNS ?? 150),
          seed: process.env.IGNORE_SEED ? Number(process.env.IGNORE_SEED) : undefined,
          path: process.env.IGNORE_PATH,
          endOnFailure: true,
        },
      );
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('known cases: a folder re-included by a deeper .gitignore, a file under an excluded folder, escapes and spaces', () => {
    const base = tempDir('st-ignore-cases-');
    const tree = { dirs: ['a', 'a/b', 'c', 'c/d', 'e'], files: ['a/b/f', 'a/b/g.log', 'c/d/keep', 'c/x', 'e/#h', 'e/!i', 'e/s ', 'e/t', 'e/u*'] };
    const cases: Scenario[] = [
      // git: a/b is re-included by a/.gitignore, so the root's `b/` says nothing about a/b/f
      { tree, root: 'b/\n', nested: [['a', '!b/\n']] },
      { tree, root: '/a/b/\n', nested: [['a', '!b\n']] },
      // no `!` brings back a file under an excluded folder
      { tree, root: 'd/\n!c/d/keep\n', nested: [['c', '!d/keep\n']] },
      { tree, root: '*.log\n', nested: [['a/b', '!*.log\n'], ['a', '*\n']] },
      { tree, root: '\\#h\n\\!i\ns\\ \nt   \nu\\*\n', nested: [] },
      { tree, root: 'e/*\n!e/t\n', nested: [['e', '!s \n']] },
      { tree, root: 'E/\n', nested: [] },
    ];
    try {
      cases.forEach((c, n) => check(base, c, n));
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('thousands of rules in one .gitignore (every group of the compiled matcher, many blocks): the same verdict as git', () => {
    const base = tempDir('st-ignore-big-');
    let n = 0;
    try {
      fc.assert(
        fc.property(fc.array(lineArb, { minLength: 1500, maxLength: 3000 }), treeArb, treeArb, (lines, t1, t2) => {
          // mostly literal rules, as long files are, between the random ones
          const all: string[] = [];
          lines.forEach((l, k) => {
            all.push(l);
            if (k % 3 === 0) all.push(['', '!', '/'][k % 9 === 0 ? 1 : k % 2] + NAMES[k % NAMES.length] + (k % 5 === 0 ? '/' : ''));
            if (k % 7 === 0) all.push(`*${['.log', '.b', 'a', '1'][k % 4]}`);
          });
          const dirs = [...new Set([...t1.dirs, ...t2.dirs])];
          // a file of one tree may be a folder of the other: it stays a folder
          const files = [...new Set([...t1.files, ...t2.files])].filter((f) => !dirs.some((d) => d === f || d.startsWith(f + '/')));
          const tree = { dirs, files };
          check(base, { tree, root: all.join('\n') + '\n', nested: [] }, n++);
        }),
        { numRuns: 12, seed: process.env.IGNORE_SEED ? Number(process.env.IGNORE_SEED) : undefined, endOnFailure: true },
      );
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('the compiled matcher gives the package’s own verdict on a path, rule for rule', () => {
    // The groups (names, paths, suffixes, last segments, blocks) must not change which rule wins.
    fc.assert(
      fc.property(rulesArb(60), fc.array(fc.array(fc.constantFrom(...NAMES, 'A', 'AB', 'X.LOG'), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 20 }), (text, ps) => {
        const m = new GitignoreMatcher(text);
        // one rule at a time through the package: the last one that matches decides
        const singles = text.split('\n').map((l) => ignore({ allowRelativePaths: true }).add(l));
        for (const segs of ps) {
          for (const rel of [segs.join('/'), segs.join('/') + '/']) {
            let expected: string | undefined;
            for (let k = singles.length - 1; k >= 0 && expected === undefined; k--) {
              const rules = (singles[k] as unknown as { _rules: { _rules: { negative: boolean; regex: RegExp }[] } })._rules._rules;
              if (rules.length === 1 && rules[0].regex.test(rel)) expected = rules[0].negative ? 'unignored' : 'ignored';
            }
            assert.equal(m.test(rel), expected, `${JSON.stringify(rel)} with\n${text}`);
          }
        }
      }),
      { numRuns: 300, seed: process.env.IGNORE_SEED ? Number(process.env.IGNORE_SEED) : undefined },
    );
  });

  it('folds case as a JavaScript i expression does', () => {
    const kelvin = '\u212a';
    for (const [a, b] of [['abc', 'ABC'], ['é', 'É'], ['ß', 'ß'], ['ı', 'ı'], ['ſ', 'ſ'], [kelvin, kelvin], ['k', 'K']]) assert.equal(foldCase(a), b);
    for (const [a, b] of [['ß', 'SS'], ['ı', 'I'], ['ſ', 'S'], [kelvin, 'k'], ['é', 'É']]) {
      assert.equal(new RegExp(`^${a}$`, 'i').test(b), foldCase(a) === foldCase(b), `${a} / ${b}`);
    }
  });
});

describe('.gitignore files behind a link', () => {
  it('a .gitignore in a folder that is a link out of the workspace is not read (its rules do not apply)', () => {
    const dir = tempDir('st-ignore-link-');
    try {
      const ws = path.join(dir, 'ws');
      const outside = path.join(dir, 'outside');
      fs.mkdirSync(ws);
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(outside, '.gitignore'), 'x.txt\n');
      fs.symlinkSync(outside, path.join(ws, 'linked'));
      fs.mkdirSync(path.join(ws, 'real'));
      fs.writeFileSync(path.join(ws, 'real', '.gitignore'), 'x.txt\n');
      fs.symlinkSync(path.join(outside, '.gitignore'), path.join(ws, '.gitignore'));
      const t = new Tracking({ exclude: [], maxFileSize: 1 << 20 }, fs);
      assert.equal(t.excludedWithAncestors(ws, 'linked/x.txt', false), undefined, 'rules read through a linked folder');
      assert.equal(t.excludedWithAncestors(ws, 'x.txt', false), undefined, 'a .gitignore that is itself a link is not read');
      assert.match(t.excludedWithAncestors(ws, 'real/x.txt', false) ?? '', /real\/\.gitignore/, 'a real .gitignore still applies');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
