// `npm run bench:vscode`: Session Tree end to end, in a real VS Code (code-server), through its
// public API, against the shadow-git method in the same run on the same files. See BENCHMARKS.md.
//
//   node out/bench/vscode/run.js [--small | --large | --files N] [--runs N] [--warmup N]
//                                [--rest SECONDS] [--exports N] [--history N | --no-activation]
//                                [--vsix FILE] [--keep] [--timeout SECONDS]
//
// 1. Generates a source-like workspace (bench/workspace.ts) twice, identically: code-server opens
//    one; the other is the work tree of a shadow git repository with its own GIT_DIR, so git never
//    sees Session Tree's writes nor Session Tree git's (and no `.git` is made in the workspace).
// 2. Opens the workspace in a code-server without Session Tree (memory baseline), then in one with
//    the packaged .vsix installed. Each time a small bench extension's `extensionTestsPath`
//    (out/bench/vscode/host.js, loaded as the integration suite is) runs inside the extension host.
// 3. Prints the table (stdout); progress goes to stderr, every figure to .artifacts/bench-vscode/results.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../test/harness/browser';
import { freePort, installExtension, startCodeServer, type CodeServer } from '../../test/harness/codeServer';
import { ARTIFACTS, ROOT, vsixPath } from '../../test/harness/paths';
import { installCleanup, withTimeout } from '../../test/harness/processes';
import { USER_SETTINGS } from '../../test/harness/userSettings';
import { ShadowGit } from '../shadowGit';
import { generateWorkspace } from '../workspace';
import { flag, opt } from '../args';
import { findStoreDir, growHistory, watchTree } from './activation';
import { report, type Activation } from './report';
import { EXTENSION_ID, type BenchConfig, type HostResult } from './types';


const SMALL_FILES = 2_000;
const files = Number(opt('files') ?? (flag('small') ? SMALL_FILES : flag('large') ? 100_000 : 30_000));
const runs = Number(opt('runs') ?? 5);
const warmup = Number(opt('warmup') ?? 1);
const restMs = Number(opt('rest') ?? 15) * 1000;
const exportRuns = Number(opt('exports') ?? 3);
const keep = flag('keep');
const history = flag('no-activation') ? 0 : Number(opt('history') ?? 10_000);
const timeoutMs = Number(opt('timeout') ?? 7200) * 1000;
const vsix = path.resolve(opt('vsix') ?? vsixPath());
const SEED = 11;

const HOME = path.join(ARTIFACTS, 'bench-vscode');
const WORK = path.join(HOME, `files-${files}`);
/** The bench extension code-server loads as the development extension: only a manifest beside host.js. */
const BENCH_EXT = path.join(ROOT, 'out', 'bench', 'vscode');

let port = 0;
const log = (line: string) => process.stderr.write(`${line}\n`);

function machine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  let git = '?';
  try {
    git = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // Reported as unknown.
  }
  return `${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, ${git}, load average ${load} (1, 5, 15 min)`;
}

/** The bench extension's manifest: no `main`, no contributions; it exists to host host.js as its tests. */
function writeBenchExtension(): void {
  if (!existsSync(path.join(BENCH_EXT, 'host.js'))) throw new Error(`${BENCH_EXT}/host.js is missing: run \`npm run build:tests\``);
  const manifest = { name: 'session-tree-bench', displayName: 'Session Tree end-to-end bench', publisher: 'sessiontree', version: '0.0.0', private: true, engines: { vscode: '^1.95.0' } };
  writeFileSync(path.join(BENCH_EXT, 'package.json'), JSON.stringify(manifest, null, 2));
}

async function prepare(): Promise<{ workspace: string; gitWorkTree: string; gitDir: string; rels: string[] }> {
  rmSync(WORK, { recursive: true, force: true });
  const workspace = path.join(WORK, 'workspace');
  const gitWorkTree = path.join(WORK, 'git-worktree');
  const gitDir = path.join(WORK, 'shadow', 'git');
  let t0 = Date.now();
  const info = generateWorkspace(workspace, files, SEED);
  generateWorkspace(gitWorkTree, files, SEED);
  log(`generated ${info.files.length} files (${(info.bytes / 1048576).toFixed(1)} MB, ${info.dirs} folders) twice in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const git = new ShadowGit(gitDir, gitWorkTree);
  await git.init();
  t0 = Date.now();
  await git.checkpoint('initial');
  log(`shadow git: first commit of the copy in ${((Date.now() - t0) / 1000).toFixed(1)} s (untimed)`);
  return { workspace, gitWorkTree, gitDir, rels: info.files };
}

type BaseConfig = Omit<BenchConfig, 'mode' | 'resultFile' | 'progressFile'>;

/** The code-server home of a mode: the activation windows reopen the Session Tree one (its store). */
const homeOf = (mode: BenchConfig['mode']) => path.join(HOME, `code-server-${mode === 'baseline' ? 'baseline' : 'session-tree'}`);

async function runWindow(browser: Browser, mode: BenchConfig['mode'], base: BaseConfig, watch?: (page: Page, cfg: BenchConfig) => Promise<void>): Promise<HostResult> {
  const home = homeOf(mode);
  if (mode !== 'activation') {
    rmSync(home, { recursive: true, force: true });
    if (mode === 'session-tree') installExtension(home, vsix);
    mkdirSync(path.join(home, 'user-data', 'User'), { recursive: true });
    writeFileSync(path.join(home, 'user-data', 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  }
  const cfg: BenchConfig = {
    ...base,
    mode,
    resultFile: path.join(WORK, `result-${mode}.json`),
    progressFile: path.join(WORK, `progress-${mode}.log`),
    ...(mode === 'activation' ? { treeSeenFile: path.join(WORK, 'tree-seen') } : {}),
  };
  if (cfg.treeSeenFile) rmSync(cfg.treeSeenFile, { force: true });
  rmSync(cfg.resultFile, { force: true });
  writeFileSync(cfg.progressFile, '');
  const cfgFile = path.join(WORK, `config-${mode}.json`);
  writeFileSync(cfgFile, JSON.stringify(cfg));

  let server: CodeServer | undefined;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  let shown = 0;
  const tail = setInterval(() => {
    const text = readFileSync(cfg.progressFile, 'utf8');
    if (text.length > shown) process.stderr.write(text.slice(shown).replace(/^(?=.)/gm, `  [${mode}] `));
    shown = text.length;
  }, 1000);
  try {
    server = await startCodeServer({
      home,
      // One port for every window: the workspace's storage id (so its store) depends on the URL.
      port,
      args: ['--vscode-option', 'enable-smoke-test-driver', '--reconnection-grace-time', '5'],
      env: { SESSION_TREE_BENCH_CONFIG: cfgFile },
    });
    const page = await context.newPage();
    const exited = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: unknown) => resolve(Number(code)));
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${p}`;
    log(`${mode}: opening ${cfg.workspace} in code-server`);
    await page.goto(server.url(cfg.workspace, [
      ['extensionDevelopmentPath', remote(BENCH_EXT)],
      ['extensionTestsPath', remote(path.join(BENCH_EXT, 'host.js'))],
    ]));
    const watching = watch?.(page, cfg);
    await withTimeout(exited, timeoutMs, `the ${mode} window`);
    await watching;
  } finally {
    clearInterval(tail);
    await context.close().catch(() => undefined);
    await server?.stop();
  }
  if (!existsSync(cfg.resultFile)) throw new Error(`the ${mode} window ended without writing ${cfg.resultFile}; see ${server?.logFile}`);
  return JSON.parse(readFileSync(cfg.resultFile, 'utf8')) as HostResult;
}

/** Grows the bench window's store to `history` checkpoints, then reopens the window `runs` times. */
async function activations(browser: Browser, base: BaseConfig): Promise<Activation> {
  const store = findStoreDir(homeOf('session-tree'), EXTENSION_ID);
  const grown = await growHistory(store, base.workspace, base.files, history, log);
  const out: Activation = { checkpoints: grown.total, runs: [] };
  for (let i = 0; i < runs; i++) {
    let seen: { seenAt: number; text: string } | undefined;
    let failure: string | undefined;
    const result = await runWindow(browser, 'activation', base, async (page, cfg) => {
      try {
        seen = await watchTree(page, grown.newest, 120_000);
      } catch (e) {
        failure = e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
      writeFileSync(cfg.treeSeenFile!, '');
    });
    const a = result.activation;
    const early = a && seen && seen.seenAt < a.startedAt ? 'the tree was painted before the bench asked for it (the view was restored open)' : undefined;
    const problem = failure ?? result.error ?? (a?.wasActive ? 'Session Tree was already active' : early);
    out.runs.push({
      ...(a && seen ? { treeMs: seen.seenAt - a.startedAt, firstRow: seen.text } : {}),
      ...(a ? { readyMs: a.readyMs, askedAt: a.startedAt } : {}),
      ...(problem ? { problem } : {}),
    });
    log(`activation ${i + 1}/${runs}: ${a && seen ? `tree after ${seen.seenAt - a.startedAt} ms ("${seen.text}")` : ''}${problem ? ` ${problem}` : ''}`);
  }
  return out;
}

async function main(): Promise<number> {
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\``);
  const built = statSync(vsix).mtime;
  log(`Session Tree end-to-end bench: ${files} files, ${runs} runs (+${warmup} warm-up), vsix ${path.relative(ROOT, vsix)} (built ${built.toISOString()})`);
  writeBenchExtension();
  port = await freePort();
  mkdirSync(HOME, { recursive: true });
  const machineBefore = machine();
  const ws = await prepare();
  let browser: Browser | undefined;
  installCleanup(async () => {
    await browser?.close().catch(() => undefined);
  });
  const base = {
    workspace: ws.workspace,
    gitWorkTree: ws.gitWorkTree,
    gitDir: ws.gitDir,
    files: ws.rels,
    counts: [1, 10, 100],
    runs,
    warmup,
    seed: SEED,
    restMs,
    exportRuns,
    scratchDir: path.join(WORK, 'scratch'),
  };
  let baseline: HostResult | undefined;
  let st: HostResult;
  let activation: Activation | undefined;
  try {
    browser = await launchBrowser(path.join(HOME, 'browser'));
    try {
      baseline = await runWindow(browser, 'baseline', base);
    } catch (e) {
      log(`the baseline window failed (memory is shown without it): ${e instanceof Error ? e.message : String(e)}`);
    }
    st = await runWindow(browser, 'session-tree', base);
    if (history > 0 && !st.error) {
      // A failed activation row must not lose the rows above (a 100k run takes a quarter of an hour).
      activation = await activations(browser, base).catch((e: unknown) => {
        log(`the activation row failed: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      });
    }
  } finally {
    await browser?.close().catch(() => undefined);
  }
  const table = report(st, baseline, activation, { files, runs, warmup, machine: machineBefore, small: files < 30_000 });
  console.log(table);
  const json = path.join(HOME, 'results.json');
  writeFileSync(json, JSON.stringify({ files, runs, warmup, machine: machineBefore, at: new Date().toISOString(), sessionTree: st, baseline, activation }, null, 1));
  log(`\nevery figure: ${path.relative(ROOT, json)}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!keep) rmSync(WORK, { recursive: true, force: true });
  const wrong = st.ops.filter((s) => !s.ok && s.run >= 0).length;
  return st.error || wrong ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(2);
  },
);
