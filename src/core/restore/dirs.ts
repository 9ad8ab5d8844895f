// The folders of a workspace write, pinned: each folder from the workspace root down to the file's
// own is opened (never through a link) and, where the system allows (Linux: /proc/self/fd), every
// later create, rename, mkdir, read or removal names its file *through the pinned descriptor* of
// its folder — so a folder swapped for a link after the check cannot redirect it — and `verify()`
// re-checks, right before an operation, that every folder is still the one validated (same device
// and inode, still a real folder where it was). Elsewhere the folders are checked by lstat, and
// `verify()` re-checks them the same way right before each operation (no cache outlives a check).
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

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/** The folders from a workspace root to a file's folder, validated and (where possible) pinned. */
export class DirChain {
  private readonly levels: Level[] = [];
  private readonly pin: boolean;

  private constructor(private readonly fs: Fs, private readonly rootPath: string) {
    this.pin = canPin(fs);
  }

  /**
   * Opens the chain for `folders` (the file's folders below `rootPath`). Missing folders are
   * created (through their pinned parent) when `create`; else a missing one gives undefined.
   * A link, or a file where a folder is needed, throws `UnsafePathError`.
   */
  static open(fs: Fs, rootPath: string, folders: string[], create: boolean): DirChain | undefined {
    const c = new DirChain(fs, rootPath);
    try {
      c.openRoot();
      for (const name of folders) if (!c.descend(name, create)) {
        c.close();
        return undefined;
      }
      return c;
    } catch (e) {
      c.close();
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
    for (let i = 0; i <= upTo; i++) {
      const l = this.levels[i];
      let st: nodeFs.Stats;
      try {
        st = i === 0 ? this.fs.statSync(this.rootPath) : this.fs.lstatSync(this.at(l.name, i - 1));
      } catch {
        throw new UnsafePathError(`the folder ${l.abs} was moved or removed while writing`);
      }
      if (st.isSymbolicLink()) throw new UnsafePathError(`the folder ${l.abs} was replaced by a symbolic link while writing; Session Tree never writes through links`);
      if (!st.isDirectory() || st.dev !== l.dev || st.ino !== l.ino) throw new UnsafePathError(`the folder ${l.abs} was replaced while writing`);
    }
  }

  close(): void {
    for (const l of this.levels.splice(0)) {
      if (l.fd < 0) continue;
      try {
        this.fs.closeSync(l.fd);
      } catch {
        /* nothing more to release */
      }
    }
  }

  private openRoot(): void {
    const abs = path.resolve(this.rootPath);
    if (this.pin) {
      const fd = this.fs.openSync(abs, C.O_RDONLY | O_DIRECTORY);
      const st = this.fs.fstatSync(fd);
      this.levels.push({ name: '', abs, fd, dev: st.dev, ino: st.ino });
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
          const fd = this.fs.openSync(p, C.O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
          const st = this.fs.fstatSync(fd);
          this.levels.push({ name, abs, fd, dev: st.dev, ino: st.ino });
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
