// The folders of a workspace write, pinned: each folder from the workspace root down to the file's
// own is opened (never through a link) and, where the system allows (Linux: /proc/self/fd), every
// later create, rename, mkdir, read or removal names its file *through the pinned descriptor* of
// its folder — so a folder swapped for a link after the check cannot redirect it — and `verify()`
// re-checks, right before an operation, that the folders are still where they were validated: the
// workspace folder by stat (same device and inode), the pinned folder by the path the kernel gives
// its descriptor — one call however deep the file, and the same answer: a folder on the way moved,
// removed or swapped for a link changes that path. Elsewhere the folders are checked by lstat, and
// `verify()` re-checks each of them the same way right before each operation (no cache outlives a
// check). A restore opens each folder once (`FolderPins`), not once per file in it.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { O_NOFOLLOW } from '../../storage/files';
import type { Fs } from '../context';

const C = nodeFs.constants;
const O_DIRECTORY = C.O_DIRECTORY ?? 0;

/** A path that cannot be written safely; `skip`: reported as skipped rather than failed. */
export class UnsafePathError extends Error {
  constructor(message: string, readonly skip = false) {
    super(message);
  }
}

interface Level {
  name: string;
  abs: string;
  /** Its descriptor (-1: not pinned, the lstat checks only). */
  fd: number;
  dev: number;
  ino: number;
  /** Its path as the kernel gave it for `fd` when opened (the parent's and its name); undefined: checked by lstat. */
  real?: string;
  /** Owned by a `FolderPins` (closed by it, not by the chain). */
  shared?: boolean;
}

/** Folders kept open by one restore at most; past that they are closed and opened again as needed. */
const MAX_PINS = 256;

/**
 * The folders a restore has opened, by path, kept open until it ends: each is validated and pinned
 * once, and every chain through it reuses the descriptor (each operation still re-checks, see
 * `verify`). A folder the restore removes is forgotten (`removed`).
 */
export class FolderPins {
  private readonly levels = new Map<string, Level>();
  constructor(private readonly fs: Fs) {}

  get(abs: string): Level | undefined {
    return this.levels.get(abs);
  }

  add(level: Level): void {
    level.shared = true;
    this.levels.set(level.abs, level);
  }

  /** Folder `abs` was removed: it and every folder below it are forgotten (closed). */
  removed(abs: string): void {
    for (const [k, l] of this.levels) {
      if (k !== abs && !k.startsWith(abs + path.sep)) continue;
      this.levels.delete(k);
      closeQuietly(this.fs, l.fd);
    }
  }

  /** Between two chains: past `MAX_PINS` open, all are closed (no chain holds one then). */
  trim(): void {
    if (this.levels.size > MAX_PINS) this.close();
  }

  close(): void {
    for (const l of this.levels.values()) closeQuietly(this.fs, l.fd);
    this.levels.clear();
  }
}

function closeQuietly(fs: Fs, fd: number): void {
  if (fd < 0) return;
  try {
    fs.closeSync(fd);
  } catch {
    /* nothing more to release */
  }
}

let procFd: boolean | undefined;
/** Whether folders can be pinned: Linux with /proc mounted (paths through /proc/self/fd/N). */
export function canPin(fs: Fs): boolean {
  if (procFd === undefined) {
    try {
      procFd = process.platform === 'linux' && fs.statSync('/proc/self/fd').isDirectory() && !!O_DIRECTORY && !!O_NOFOLLOW;
    } catch {
      procFd = false;
    }
  }
  return procFd;
}

/** The path the kernel gives open descriptor `fd` (Linux, /proc mounted), or undefined when it cannot be read. */
export function kernelPathOf(fs: Fs, fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** The folders from a workspace root to a file's folder, validated and (where possible) pinned. */
export class DirChain {
  private readonly levels: Level[] = [];
  private readonly pin: boolean;
  /** Some of its folders came from the restore's pins (opened for an earlier file). */
  private reused = false;

  private constructor(private readonly fs: Fs, private readonly rootPath: string, private readonly pins?: FolderPins) {
    this.pin = canPin(fs);
  }

  /**
   * Opens the chain for `folders` (the file's folders below `rootPath`). Missing folders are
   * created (through their pinned parent) when `create`; else a missing one gives undefined.
   * A link, or a file where a folder is needed, throws `UnsafePathError`.
   */
  static open(fs: Fs, rootPath: string, folders: string[], create: boolean, pins?: FolderPins): DirChain | undefined {
    pins?.trim();
    const c = new DirChain(fs, rootPath, pins);
    try {
      c.openRoot();
      for (const name of folders) if (!c.descend(name, create)) {
        c.close();
        return undefined;
      }
      if (c.reused) c.verify();
      return c;
    } catch (e) {
      c.close();
      // A folder pinned earlier in the restore moved since: the restore's pins are dropped and the
      // folders opened again from the workspace folder down, as for its first file.
      if (c.reused && e instanceof UnsafePathError) {
        pins!.close();
        return DirChain.open(fs, rootPath, folders, create, pins);
      }
      throw e;
    }
  }

  /** The absolute path of the innermost folder, as the user knows it. */
  get abs(): string {
    return this.levels[this.levels.length - 1].abs;
  }

  /** The path by which to reach `name` in folder `level` (default: the innermost): through its descriptor when pinned. */
  at(name: string, level = this.levels.length - 1): string {
    const l = this.levels[level];
    if (l.fd >= 0) return name ? `/proc/self/fd/${l.fd}/${name}` : `/proc/self/fd/${l.fd}`;
    return name ? path.join(l.abs, name) : l.abs;
  }

  get depth(): number {
    return this.levels.length;
  }

  /** Re-checks, now, that every folder (to `upTo`) is still the real folder validated (no cache outlives this). */
  verify(upTo = this.levels.length - 1): void {
    const inner = this.levels[upTo];
    if (inner.fd >= 0 && (upTo === 0 || inner.real !== undefined)) {
      this.verifyRoot();
      if (upTo === 0) return;
      if (kernelPathOf(this.fs, inner.fd) === inner.real) return;
      // Moved, removed or swapped somewhere on the way: say which, by the checks below.
      this.verifyEach(upTo);
      throw new UnsafePathError(`the folder ${inner.abs} was moved or removed while writing`);
    }
    this.verifyEach(upTo);
  }

  /** The workspace folder: still the folder validated at its path. */
  private verifyRoot(): void {
    const l = this.levels[0];
    let st: nodeFs.Stats;
    try {
      st = this.fs.statSync(this.rootPath);
    } catch {
      throw new UnsafePathError(`the folder ${l.abs} was moved or removed while writing`);
    }
    if (!st.isDirectory() || st.dev !== l.dev || st.ino !== l.ino) throw new UnsafePathError(`the folder ${l.abs} was replaced while writing`);
  }

  /** The workspace folder, then each folder to `upTo` by lstat through its parent. */
  private verifyEach(upTo: number): void {
    this.verifyRoot();
    for (let i = 1; i <= upTo; i++) {
      const l = this.levels[i];
      let st: nodeFs.Stats;
      try {
        st = this.fs.lstatSync(this.at(l.name, i - 1));
      } catch {
        throw new UnsafePathError(`the folder ${l.abs} was moved or removed while writing`);
      }
      if (st.isSymbolicLink()) throw new UnsafePathError(`the folder ${l.abs} was replaced by a symbolic link while writing; Session Tree never writes through links`);
      if (!st.isDirectory() || st.dev !== l.dev || st.ino !== l.ino) throw new UnsafePathError(`the folder ${l.abs} was replaced while writing`);
    }
  }

  close(): void {
    for (const l of this.levels.splice(0)) if (!l.shared) closeQuietly(this.fs, l.fd);
  }

  /** Folder `level` (≥ 1) was removed: a restore's pins forget it. */
  removed(level: number): void {
    this.pins?.removed(this.levels[level].abs);
  }

  /** The kernel's path of a folder just opened, when it is its parent's and its name (else undefined: lstat checks). */
  private realOf(fd: number, parent: Level | undefined, name: string): string | undefined {
    if (parent && parent.real === undefined) return undefined;
    const real = kernelPathOf(this.fs, fd);
    if (real === undefined) return undefined;
    if (!parent) return real.startsWith('/') && !real.endsWith(' (deleted)') ? real : undefined;
    return real === (parent.real === '/' ? '' : parent.real) + '/' + name ? real : undefined;
  }

  private openRoot(): void {
    const abs = path.resolve(this.rootPath);
    if (this.pin) {
      const known = this.pins?.get(abs);
      if (known) {
        this.reused = true;
        this.levels.push(known);
        return;
      }
      const fd = this.fs.openSync(abs, C.O_RDONLY | O_DIRECTORY);
      const st = this.fs.fstatSync(fd);
      const level: Level = { name: '', abs, fd, dev: st.dev, ino: st.ino, real: this.realOf(fd, undefined, '') };
      this.pins?.add(level);
      this.levels.push(level);
      return;
    }
    const st = this.fs.statSync(abs);
    if (!st.isDirectory()) throw new UnsafePathError(`the workspace folder ${abs} is not a folder`);
    this.levels.push({ name: '', abs, fd: -1, dev: st.dev, ino: st.ino });
  }

  /** Adds folder `name` below the innermost one; false when it is missing and not to be created. */
  private descend(name: string, create: boolean): boolean {
    const abs = path.join(this.abs, name);
    const p = this.at(name);
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.pin) {
          const known = this.pins?.get(abs);
          if (known) {
            this.reused = true;
            this.levels.push(known);
            return true;
          }
          const fd = this.fs.openSync(p, C.O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
          const st = this.fs.fstatSync(fd);
          const level: Level = { name, abs, fd, dev: st.dev, ino: st.ino, real: this.realOf(fd, this.levels[this.levels.length - 1], name) };
          this.pins?.add(level);
          this.levels.push(level);
        } else {
          const st = this.fs.lstatSync(p);
          if (!st.isDirectory() || st.isSymbolicLink()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
          this.levels.push({ name, abs, fd: -1, dev: st.dev, ino: st.ino });
          this.verify();
        }
        return true;
      } catch (e) {
        if (e instanceof UnsafePathError) throw e;
        const c = code(e);
        if (c === 'ENOENT' && create && attempt === 0) {
          this.verify();
          try {
            this.fs.mkdirSync(p);
          } catch (m) {
            if (code(m) !== 'EEXIST') throw m;
          }
          continue;
        }
        if (c === 'ENOENT') {
          if (attempt > 0) throw new UnsafePathError(`the folder ${abs} was removed while writing`);
          return false;
        }
        if (c === 'ENOTDIR' || c === 'ELOOP') {
          let st: nodeFs.Stats | undefined;
          try {
            st = this.fs.lstatSync(p);
          } catch {
            st = undefined;
          }
          if (st?.isSymbolicLink()) throw new UnsafePathError(`the folder ${abs} is a symbolic link; Session Tree never writes through links`);
          throw new UnsafePathError(`${abs} is a file where a folder is needed`);
        }
        throw e;
      }
    }
  }
}
