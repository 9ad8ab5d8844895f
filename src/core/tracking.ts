// Which files are tracked: not under `.git`, not excluded by the user's patterns or by a
// `.gitignore` at any depth, not larger than the size limit, regular files only (symlinks are
// neither tracked nor followed). `.gitignore` semantics come from the `ignore` package, the
// matcher eslint and prettier use, compiled for long files in `ignoreMatcher.ts`. They combine as
// in git: a folder excluded excludes everything under it (no `!` brings a file back); otherwise the
// deepest `.gitignore` with a rule about the path itself decides.
import ignore, { type Ignore } from 'ignore';
import { GitignoreMatcher } from './ignoreMatcher';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Fs } from '../storage/files';
import { readTextInside } from './links';


/** Temp files written by restores end so; only names of `tempNameFor`'s shape are never tracked. */
export const TEMP_SUFFIX = '.st-tmp';

/** The random tail of a temp name: a restore's token (12 hex digits) and a per-file part (8). */
const TEMP_NAME = /^\..*\.[0-9a-f]{20}\.st-tmp$/;

/**
 * The name of a temp file a restore writes beside `base` before renaming it over it:
 * `.<base>.<token><8 random hex>.st-tmp`, unpredictable, at most 255 bytes (a long `base` is left
 * out). It is created exclusively, never through a link; a user's own `x.st-tmp` is a plain file.
 */
export function tempNameFor(base: string, token: string): string {
  const tail = `.${token}${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  return Buffer.byteLength(base) + tail.length + 1 <= 255 ? `.${base}${tail}` : `.st${tail}`;
}

/** Whether a file name has the shape of a restore's temp file (never tracked). */
export const isTempName = (name: string): boolean => TEMP_NAME.test(name);

export interface TrackingRules {
  exclude: string[];
  maxFileSize: number;
}

export const DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024;

export class Tracking {
  private readonly userIgnore: Ignore;
  // per root path → per directory (relative, '' for the root) → its .gitignore matcher (null: none)
  private readonly cache = new Map<string, Map<string, GitignoreMatcher | null>>();
  // per root path → folder (relative) → why it or an ancestor is excluded (null: it is not)
  private readonly folderVerdicts = new Map<string, Map<string, string | null>>();
  // A matcher per distinct `.gitignore` text: re-reading an unchanged file after `invalidate` gets
  // back the same matcher, without compiling its rules again.
  private readonly byContent = new Map<string, GitignoreMatcher>();
  private readonly hasUserRules: boolean;
  // per root path → folder (relative) → the `.gitignore` matchers that apply in it, deepest first
  private readonly chains = new Map<string, Map<string, { dir: string; m: GitignoreMatcher }[]>>();
  // the `.gitignore` text each matcher was made from
  private readonly textOf = new WeakMap<GitignoreMatcher, string>();
  /** Bumped whenever cached rules are dropped: an answer given before may no longer hold. */
  generation = 0;

  constructor(
    readonly rules: TrackingRules,
    private readonly fs: Fs,
    /** Absolute folders never tracked (the store itself, when it lives inside a workspace). */
    private readonly never: string[] = [],
  ) {
    const user = rules.exclude.filter((p) => p.trim() !== '');
    this.userIgnore = ignore({ allowRelativePaths: true }).add(user);
    this.hasUserRules = user.length > 0;
  }

  /** A walk found no `.gitignore` in this folder: nothing to read there (until `invalidate`). */
  noGitignoreIn(rootPath: string, dirRel: string): void {
    let perRoot = this.cache.get(rootPath);
    if (!perRoot) {
      perRoot = new Map();
      this.cache.set(rootPath, perRoot);
    }
    if (!perRoot.has(dirRel)) perRoot.set(dirRel, null);
  }

  /** A walk found a `.gitignore` in this folder: if the rules were cached as "none here", they are out of date. */
  gitignoreIn(rootPath: string, dirRel: string): void {
    if (this.cache.get(rootPath)?.get(dirRel) === null) this.invalidate(rootPath);
  }

  /**
   * Before a full scan: the cached rules of a root stay when every `.gitignore` they were made
   * from still reads the same (one that appears is seen by the scan's listing: `gitignoreIn`);
   * otherwise they are forgotten.
   */
  revalidate(rootPath: string): void {
    for (const [dirRel, m] of this.cache.get(rootPath) ?? []) {
      if (m === null) continue;
      let text: string | undefined;
      try {
        text = readTextInside(this.fs, rootPath, dirRel ? `${dirRel}/.gitignore` : '.gitignore');
      } catch {
        text = undefined;
      }
      if (text === undefined || text !== this.textOf.get(m)) {
        this.invalidate(rootPath);
        return;
      }
    }
  }

  /** Forget cached `.gitignore` matchers of a root (all, or one directory). */
  invalidate(rootPath: string, dirRel?: string): void {
    this.generation++;
    if (dirRel === undefined) this.cache.delete(rootPath);
    else this.cache.get(rootPath)?.delete(dirRel);
    // A folder's rules decide for everything below it.
    this.folderVerdicts.delete(rootPath);
    this.chains.delete(rootPath);
  }

  /** The matchers of a folder and its ancestors that have a `.gitignore`, deepest first. */
  private chain(rootPath: string, dirRel: string): { dir: string; m: GitignoreMatcher }[] {
    let perRoot = this.chains.get(rootPath);
    if (!perRoot) {
      perRoot = new Map();
      this.chains.set(rootPath, perRoot);
    }
    let c = perRoot.get(dirRel);
    if (c) return c;
    const m = this.matcher(rootPath, dirRel);
    const slash = dirRel.lastIndexOf('/');
    const up = dirRel === '' ? [] : this.chain(rootPath, slash < 0 ? '' : dirRel.slice(0, slash));
    c = m ? [{ dir: dirRel, m }, ...up] : up;
    perRoot.set(dirRel, c);
    return c;
  }

  private matcher(rootPath: string, dirRel: string): GitignoreMatcher | null {
    let perRoot = this.cache.get(rootPath);
    if (!perRoot) {
      perRoot = new Map();
      this.cache.set(rootPath, perRoot);
    }
    let m = perRoot.get(dirRel);
    if (m !== undefined) return m;
    m = null;
    try {
      const text = readTextInside(this.fs, rootPath, dirRel ? `${dirRel}/.gitignore` : '.gitignore');
      m = this.byContent.get(text) ?? null;
      if (!m) {
        if (this.byContent.size >= 256) this.byContent.clear();
        m = new GitignoreMatcher(text);
        this.byContent.set(text, m);
        this.textOf.set(m, text);
      }
    } catch {
      m = null;
    }
    perRoot.set(dirRel, m);
    return m;
  }

  /**
   * Why `rel` (relative to the root, '/'-separated) is excluded, or undefined when it is not.
   * Checks only the path itself, not its ancestors (a walk never enters an excluded folder; use
   * `excludedWithAncestors` for a lone path).
   */
  excluded(rootPath: string, rel: string, isDir: boolean, parentRel?: string): string | undefined {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (name === '.git') return 'a .git folder';
    if (!isDir && isTempName(name)) return 'a Session Tree temporary file';
    if (isDir && this.never.length > 0) {
      const abs = path.join(rootPath, rel);
      if (this.never.some((n) => abs === n)) return 'the Session Tree store';
    }
    const probe = isDir ? rel + '/' : rel;
    if (this.hasUserRules && this.userIgnore.ignores(probe)) return 'excluded by the sessionTree.exclude setting';
    // Deepest .gitignore first: the first one with a rule about the path decides. The path's
    // folders are not looked at here (see above): a folder `!`-ed by a deeper `.gitignore` stays
    // included whatever a shallower one says about it, as in git.
    let parent = parentRel;
    if (parent === undefined) {
      const slash = rel.lastIndexOf('/');
      parent = slash < 0 ? '' : rel.slice(0, slash);
    }
    for (const { dir, m } of this.chain(rootPath, parent)) {
      const sub = dir === '' ? probe : probe.slice(dir.length + 1);
      const v = m.test(sub);
      if (v === 'ignored') return `excluded by ${dir === '' ? '' : dir + '/'}.gitignore`;
      if (v === 'unignored') return undefined;
    }
    return undefined;
  }

  excludedWithAncestors(rootPath: string, rel: string, isDir: boolean): string | undefined {
    const slash = rel.lastIndexOf('/');
    return (slash > 0 ? this.folderExcluded(rootPath, rel.slice(0, slash)) : undefined) ?? this.excluded(rootPath, rel, isDir);
  }

  /** A folder, or one of its ancestors (the topmost first), is excluded: why. Remembered until `invalidate`. */
  private folderExcluded(rootPath: string, dirRel: string): string | undefined {
    let perRoot = this.folderVerdicts.get(rootPath);
    if (!perRoot) {
      perRoot = new Map();
      this.folderVerdicts.set(rootPath, perRoot);
    }
    const known = perRoot.get(dirRel);
    if (known !== undefined) return known ?? undefined;
    const slash = dirRel.lastIndexOf('/');
    const why = (slash > 0 ? this.folderExcluded(rootPath, dirRel.slice(0, slash)) : undefined) ?? this.excluded(rootPath, dirRel, true);
    perRoot.set(dirRel, why ?? null);
    return why;
  }

  tooLarge(size: number): string | undefined {
    return size > this.rules.maxFileSize
      ? `larger than the size limit (${formatBytes(size)} > ${formatBytes(this.rules.maxFileSize)})`
      : undefined;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
