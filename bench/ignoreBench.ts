// `.gitignore` matching at scale: the engine's first open of a 5,000-file workspace whose root
// `.gitignore` holds 100, 1,000 or 20,000 rules, against `git status` on the same tree, in one run.
//
//   npm run build:tests && node out/bench/ignoreBench.js [--files 5000] [--rules 0,100,1000,20000]
//                                                        [--runs 3] [--dir PATH] [--keep]
//
// `--rules 0` is the normal tree (the bench workspace's own four-line `.gitignore`). The rules are
// a mix of what a long, generated or accumulated `.gitignore` holds (see `makeRules`), some of them
// matching files of the tree, so both sides skip the same files; the run checks that they do. git
// runs on the tree as a fresh repository with every file untracked, so it checks every path against
// the rules: `git status --porcelain --ignored --untracked-files=all`. The engine's time is
// `new Engine({ storageDir, roots }).open()` with a new store each run: the walk, the rules, and
// reading, hashing and storing every tracked file; "walk + rules" is the part of it that matching
// is in: the same walk with a fresh `Tracking`, listing every folder and asking the rules about
// every entry, without reading any file. Figures are medians (min – max) over the runs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/core/engine';
import { Tracking } from '../src/core/tracking';
import { Rng, generateWorkspace } from './workspace';
import { flag, opt } from './args';

const nFiles = Number(opt('files') ?? 5000);
const ruleCounts = (opt('rules') ?? '0,100,1000,20000').split(',').map(Number);
const runs = Number(opt('runs') ?? 3);
const keep = flag('keep');
const base = path.resolve(opt('dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'st-ignore-bench-')));

const BASE_RULES = ['node_modules/', 'dist/', '*.log', '.env'];

// `n` rules over the files and folders of a tree: literal names (`name`, `**/name`), extensions
// (`*.ext`), folders (`dir/`), anchored paths (`/a/b.ts`, `/a/`), negations (`!name`) and some
// wildcards and classes (`prefix-*`, `name[0-9]/`, `a/**/b.ts`, `name?`). Most name nothing in the
// tree (as most lines of a long `.gitignore` do on any one checkout); about 1 in 200 excludes
// something that is there, and some of those are re-included by a later negation.
export function makeRules(n: number, files: string[], seed: number): string[] {
  if (n === 0) return [...BASE_RULES];
  const r = new Rng(seed);
  const dirs = [...new Set(files.map((f) => f.slice(0, Math.max(0, f.lastIndexOf('/')))).filter(Boolean))];
  const base = (f: string) => f.slice(f.lastIndexOf('/') + 1);
  const out: string[] = [...BASE_RULES];
  const exts = ['tmp', 'bak', 'orig', 'swp', 'cache', 'map', 'o', 'pyc', 'class', 'lock'];
  while (out.length < n) {
    const hit = r.next() < 0.005; // names something in the tree
    const i = out.length;
    const u = r.next();
    if (u < 0.25) out.push(hit ? base(r.pick(files)) : `generated-${i}.txt`);
    else if (u < 0.35) out.push(`**/${hit ? base(r.pick(files)) : `artifact-${i}.bin`}`);
    else if (u < 0.5) out.push(`*.${hit ? 'css' : r.pick(exts) + i}`);
    else if (u < 0.62) out.push(`${hit ? base(r.pick(dirs)) : `build-${i}`}/`);
    else if (u < 0.75) out.push(`/${hit ? r.pick(files) : `${r.pick(dirs)}/old-${i}.ts`}`);
    else if (u < 0.8) out.push(`/${hit ? r.pick(dirs) : `vendor-${i}`}/`);
    else if (u < 0.88) out.push(`!${r.next() < 0.5 ? base(r.pick(files)) : `keep-${i}.txt`}`);
    else if (u < 0.92) out.push(`${hit ? 'get' : `tmp${i}`}-*`);
    else if (u < 0.95) out.push(`cache${i}[0-9]/`);
    else if (u < 0.98) out.push(`${r.pick(dirs).split('/')[0]}/**/gen-${i}.ts`);
    else out.push(`scratch${i}?`);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const summary = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))} – ${fmt(Math.max(...xs))})`;

function gitStatus(root: string): { ms: number; untracked: number } {
  const t0 = performance.now();
  const out = execFileSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all'], { cwd: root, maxBuffer: 1 << 28, encoding: 'utf8' });
  const ms = performance.now() - t0;
  return { ms, untracked: out.split('\n').filter((l) => l.startsWith('?? ')).length };
}

/** The engine's walk with its rules and nothing else (no store): listing folders, asking `Tracking`. */
function walkOnly(root: string): { ms: number; tracked: number } {
  const t0 = performance.now();
  const tracking = new Tracking({ exclude: [], maxFileSize: 5 * 1024 * 1024 }, fs);
  let tracked = 0;
  const stack = [''];
  while (stack.length > 0) {
    const dirRel = stack.pop()!;
    const entries = fs.readdirSync(path.join(root, dirRel), { withFileTypes: true });
    if (!entries.some((e) => e.name === '.gitignore')) tracking.noGitignoreIn(root, dirRel);
    for (const e of entries) {
      const rel = dirRel === '' ? e.name : `${dirRel}/${e.name}`;
      if (e.isDirectory()) {
        if (!tracking.excluded(root, rel, true, dirRel)) stack.push(rel);
      } else if (e.isFile() && !tracking.excluded(root, rel, false, dirRel)) tracked++;
    }
  }
  return { ms: performance.now() - t0, tracked };
}

async function engineOpen(root: string, store: string): Promise<{ ms: number; tracked: number }> {
  fs.rmSync(store, { recursive: true, force: true });
  const t0 = performance.now();
  const engine = new Engine({ storageDir: store, roots: [{ name: 'ws', path: root }] });
  await engine.open();
  const ms = performance.now() - t0;
  const tracked = engine.stats().tracked;
  await engine.close();
  return { ms, tracked };
}

async function main(): Promise<void> {
  fs.mkdirSync(base, { recursive: true });
  const root = path.join(base, 'ws');
  const info = generateWorkspace(root, nFiles, 12);
  execFileSync('git', ['init', '-q'], { cwd: root });
  // The store lives outside the workspace: neither side sees it.
  const store = path.join(base, 'store');
  const rows: string[] = [];
  process.stderr.write(`workspace: ${info.files.length} files (+${info.ignoredFiles} ignored) in ${base}\n`);
  for (const n of ruleCounts) {
    const rules = makeRules(n, info.files, 1000 + n);
    fs.writeFileSync(path.join(root, '.gitignore'), rules.join('\n') + '\n');
    const eng: number[] = [];
    const walk: number[] = [];
    const git: number[] = [];
    let tracked = 0;
    let untracked = 0;
    for (let i = 0; i < runs; i++) {
      // alternate which goes first
      const order = i % 2 === 0 ? ['engine', 'git'] : ['git', 'engine'];
      for (const who of order) {
        if (who === 'engine') {
          const e = await engineOpen(root, store);
          eng.push(e.ms);
          tracked = e.tracked;
          const w = walkOnly(root);
          walk.push(w.ms);
          if (w.tracked !== e.tracked) throw new Error(`the walk tracks ${w.tracked} files, the engine ${e.tracked}`);
        } else {
          const g = gitStatus(root);
          git.push(g.ms);
          untracked = g.untracked;
        }
      }
      process.stderr.write(`  ${n} rules, run ${i + 1}: engine ${fmt(eng[eng.length - 1])}, walk ${fmt(walk[walk.length - 1])}, git ${fmt(git[git.length - 1])}\n`);
    }
    const ratio = median(eng) / median(git);
    const same = tracked === untracked ? 'yes' : `**no** (engine ${tracked}, git ${untracked})`;
    const walkRatio = median(walk) / median(git);
    rows.push(`| ${n === 0 ? 'normal tree (4 rules)' : `${n.toLocaleString('en-US')} rules`} | ${tracked} | ${summary(eng)} | ${summary(walk)} | ${summary(git)} | ${ratio.toFixed(2)}× | ${walkRatio.toFixed(2)}× | ${same} |`);
  }
  console.log(`\n${nFiles.toLocaleString('en-US')} files, ${runs} runs each, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, ${execFileSync('git', ['--version'], { encoding: 'utf8' }).trim()}\n`);
  console.log('| root `.gitignore` | files tracked | engine first open: median (min – max) | of which walk + rules alone | `git status --porcelain --ignored --untracked-files=all` | first open / git | walk + rules / git | same files as git |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  if (!keep) fs.rmSync(base, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
