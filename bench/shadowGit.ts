// The method Session Tree is measured against: a shadow git repository (a separate git dir whose
// `core.worktree` is the workspace), checkpointing with `git add -A && git commit` and restoring with
// `git clean -fd && git reset --hard <sha>` or `git checkout <sha> -- <paths>`, as Cline and Roo Code
// do. Commands run asynchronously so the bench's main thread keeps ticking.
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export class ShadowGit {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly gitDir: string,
    readonly worktree: string,
  ) {
    // No user or system configuration may change what is measured.
    const home = path.join(path.dirname(gitDir), '.git-home');
    fs.mkdirSync(home, { recursive: true });
    this.env = { ...process.env, HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    for (const k of Object.keys(this.env)) if (k.startsWith('GIT_') && !['GIT_CONFIG_NOSYSTEM', 'GIT_TERMINAL_PROMPT'].includes(k)) delete this.env[k];
  }

  run(args: string[], options: { input?: string; allowFail?: boolean } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile('git', [`--git-dir=${this.gitDir}`, ...args], { cwd: this.worktree, env: this.env, maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
        if (err && !options.allowFail) reject(new Error(`git ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      });
      if (options.input !== undefined) child.stdin!.end(options.input);
    });
  }

  /** `git init` of a shadow repository, configured as the peers do (plus gc.auto=0, see BENCHMARKS.md). */
  async init(): Promise<void> {
    fs.mkdirSync(this.gitDir, { recursive: true });
    await this.run(['init', '-q']);
    await this.run(['config', 'core.bare', 'false']);
    await this.run(['config', 'core.worktree', this.worktree]);
    await this.run(['config', 'user.name', 'Session Tree bench']);
    await this.run(['config', 'user.email', 'bench@example.invalid']);
    await this.run(['config', 'commit.gpgsign', 'false']);
    // Automatic gc would start in the background after the first commit of a large tree and
    // disturb every later timing; gc is run explicitly, untimed, before storage is compared.
    await this.run(['config', 'gc.auto', '0']);
  }

  /** The peers' checkpoint. */
  async checkpoint(message: string): Promise<void> {
    await this.run(['add', '-A']);
    await this.run(['commit', '-q', '--no-verify', '-m', message]);
  }

  async head(): Promise<string> {
    return (await this.run(['rev-parse', 'HEAD'])).trim();
  }

  /** The peers' restore of the whole workspace. */
  async resetHard(sha: string): Promise<void> {
    await this.run(['clean', '-f', '-d', '-q']);
    await this.run(['reset', '--hard', '-q', sha]);
  }

  /** Restore of chosen files. */
  async checkoutPaths(sha: string, rels: string[]): Promise<void> {
    await this.run(['checkout', sha, '--', ...rels]);
  }

  async gc(): Promise<void> {
    await this.run(['gc', '-q']);
  }

  /** Bytes on disk of the git dir (apparent sizes of every file). */
  size(): number {
    return dirSize(this.gitDir);
  }

  /**
   * Streams commits into the repository with `git fast-import` (for building long histories fast),
   * then points the index at the new head. `write` is called with a function that adds one commit.
   */
  async fastImport(build: (commit: (message: string, files: { rel: string; data: Buffer }[]) => Promise<void>) => Promise<void>): Promise<void> {
    const ref = (await this.run(['symbolic-ref', 'HEAD'])).trim();
    const from = await this.head();
    const child = spawn('git', [`--git-dir=${this.gitDir}`, 'fast-import', '--quiet', '--force'], { cwd: this.worktree, env: this.env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let failed: Error | undefined;
    child.stdin.on('error', (e) => (failed = e));
    const done = new Promise<void>((resolve, reject) => {
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import failed (${code}): ${stderr}`))));
    });
    const write = (b: Buffer | string) =>
      new Promise<void>((resolve, reject) => {
        if (failed) reject(failed);
        else if (child.stdin.write(b)) resolve();
        else child.stdin.once('drain', resolve);
      });
    let first = true;
    let when = Math.floor(Date.now() / 1000);
    await build(async (message, files) => {
      const msg = Buffer.from(message);
      let head = `commit ${ref}\ncommitter Session Tree bench <bench@example.invalid> ${when++} +0000\ndata ${msg.length}\n${message}\n`;
      if (first) head += `from ${from}\n`;
      first = false;
      await write(head);
      for (const f of files) {
        await write(`M 100644 inline ${f.rel}\ndata ${f.data.length}\n`);
        await write(f.data);
        await write('\n');
      }
      await write('\n');
    });
    child.stdin.end();
    await done;
    // The worktree already holds the new head's files: refresh the index against it.
    await this.run(['reset', '-q']);
    await this.run(['update-index', '-q', '--refresh'], { allowFail: true });
  }
}

export function dirSize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

/** Peak resident memory (KiB) of one git command, via GNU time when it is installed. */
export function gitPeakKiB(gitDir: string, worktree: string, args: string[]): Promise<number | undefined> {
  if (!fs.existsSync('/usr/bin/time') || os.platform() !== 'linux') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('/usr/bin/time', ['-f', '%M', 'git', `--git-dir=${gitDir}`, ...args], { cwd: worktree, maxBuffer: 1 << 30 }, (err, _out, stderr) => {
      const m = /(\d+)\s*$/.exec(stderr.trim());
      resolve(m ? Number(m[1]) : undefined);
    });
  });
}
