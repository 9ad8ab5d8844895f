// A wrapper of the real `fs` module for tests: it sees every call the engine and the storage
// classes make (they take an injectable `fs`), can throw chosen errors (ENOSPC, EACCES, EBUSY, EIO…)
// on chosen calls and paths — faults a test cannot cause for real, e.g. permission errors while
// running as root — and can record which paths were written.
import * as realFs from 'node:fs';
import * as path from 'node:path';

type Fs = typeof realFs;

/** Calls that change the file system (or open a file so that it can be changed). */
export const MUTATING = new Set([
  'writeFileSync', 'appendFileSync', 'renameSync', 'chmodSync', 'unlinkSync', 'rmSync', 'mkdirSync', 'rmdirSync',
  'linkSync', 'copyFileSync', 'symlinkSync', 'truncateSync', 'utimesSync', 'cpSync', 'writeSync', 'ftruncateSync',
  'fchmodSync', 'futimesSync', 'writevSync', 'fsyncSync', 'fdatasyncSync',
]);

export interface FsCall {
  op: string;
  /** Every path the call names (fd calls: the path the fd was opened with). */
  paths: string[];
  /** openSync: the flags. */
  flags?: string;
  args: unknown[];
}

export interface FaultRule {
  /** fs method names, e.g. 'writeSync' or ['renameSync', 'linkSync']. */
  op: string | string[];
  /** Which calls: a substring of a path, a RegExp over it, or a predicate. Omitted: every path. */
  path?: string | RegExp | ((p: string) => boolean);
  /** openSync only: match only these flags (e.g. /w|a|\+/ for opens that can write). */
  flags?: RegExp;
  code: string;
  /** Let this many matching calls through first. */
  after?: number;
  /** Fail this many matching calls, then let them through again (default: forever). */
  times?: number;
  /** writeSync / writeFileSync: write the first half of the data, then fail (a disk that fills midway). */
  partial?: boolean;
  /** Matching calls seen so far. */
  seen?: number;
  /** Calls failed so far. */
  failed?: number;
}

const MESSAGES: Record<string, string> = {
  EACCES: 'permission denied', EPERM: 'operation not permitted', ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded', EBUSY: 'resource busy or locked', EIO: 'i/o error', EROFS: 'read-only file system',
  EMFILE: 'too many open files', ENAMETOOLONG: 'name too long', ELOOP: 'too many symbolic links encountered',
  EISDIR: 'illegal operation on a directory', ENOTDIR: 'not a directory', ENOENT: 'no such file or directory',
  EEXIST: 'file already exists', EXDEV: 'cross-device link not permitted',
};

export function errnoError(code: string, syscall: string, p?: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${MESSAGES[code] ?? 'injected fault'}, ${syscall}${p ? ` '${p}'` : ''}`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  if (p) e.path = p;
  return e;
}

function pathArg(v: unknown): string | undefined {
  if (typeof v === 'string') return path.resolve(v);
  if (Buffer.isBuffer(v)) return path.resolve(v.toString());
  if (v instanceof URL) return path.resolve(v.pathname);
  return undefined;
}

const FD_CALLS = new Set([
  'readFileSync', 'writeSync', 'readSync', 'fsyncSync', 'fdatasyncSync', 'ftruncateSync', 'fstatSync', 'closeSync', 'fchmodSync', 'futimesSync', 'writevSync', 'readvSync',
]);
const TWO_PATHS = new Set(['renameSync', 'linkSync', 'copyFileSync', 'symlinkSync', 'cpSync']);

export interface ProxyFs {
  fs: Fs;
  rules: FaultRule[];
  /** Adds a rule; returns it (its `failed` count says whether it fired). */
  fail(rule: FaultRule): FaultRule;
  clear(): void;
  /** Every call seen while `recording` is on. */
  calls: FsCall[];
  recording: boolean;
  /** Called before every call; may throw (to fail it) or do anything else. */
  onCall?: (call: FsCall) => void;
}

/** The real fs with every function wrapped. */
export function proxyFs(base: Fs = realFs): ProxyFs {
  const fdPaths = new Map<number, { path: string; flags: string }>();
  const px: ProxyFs = {
    fs: undefined as unknown as Fs,
    rules: [],
    fail(rule) {
      rule.seen = 0;
      rule.failed = 0;
      px.rules.push(rule);
      return rule;
    },
    clear() {
      px.rules.length = 0;
    },
    calls: [],
    recording: false,
  };
  const matches = (rule: FaultRule, call: FsCall): boolean => {
    const ops = Array.isArray(rule.op) ? rule.op : [rule.op];
    if (!ops.includes(call.op)) return false;
    if (rule.flags && !(call.flags !== undefined && rule.flags.test(call.flags))) return false;
    if (rule.path === undefined) return true;
    return call.paths.some((p) =>
      typeof rule.path === 'string' ? p.includes(rule.path) : rule.path instanceof RegExp ? rule.path.test(p) : (rule.path as (p: string) => boolean)(p),
    );
  };
  // A path through a pinned folder (/proc/self/fd/N/name) is named by the path N was opened with.
  const logical = (p: string | undefined): string | undefined => {
    const m = p ? /^\/proc\/self\/fd\/(\d+)(\/.*)?$/.exec(p) : null;
    const o = m ? fdPaths.get(Number(m[1])) : undefined;
    return o ? path.join(o.path, m![2] ?? '') : p;
  };
  const O = realFs.constants;
  const flagsOf = (v: unknown): string =>
    typeof v === 'string' ? v : v === undefined ? 'r' : typeof v === 'number' ? ((v & (O.O_WRONLY | O.O_RDWR)) !== 0 ? ((v & O.O_EXCL) !== 0 ? 'wx' : 'w') : 'r') : String(v);
  const wrapped: Record<string, unknown> = {};
  for (const key of Object.keys(base)) {
    const orig = (base as unknown as Record<string, unknown>)[key];
    if (typeof orig !== 'function' || !key.endsWith('Sync')) {
      wrapped[key] = orig;
      continue;
    }
    const fn = orig as (...a: unknown[]) => unknown;
    wrapped[key] = function (...args: unknown[]) {
      const call: FsCall = { op: key, paths: [], args };
      if (FD_CALLS.has(key) && typeof args[0] === 'number') {
        const o = fdPaths.get(args[0]);
        if (o) call.paths.push(o.path);
      } else {
        const p = logical(pathArg(args[0]));
        if (p) call.paths.push(p);
        if (TWO_PATHS.has(key)) {
          const q = logical(pathArg(args[1]));
          if (q) call.paths.push(q);
        }
      }
      if (key === 'openSync') call.flags = flagsOf(args[1]);
      if (key === 'writeFileSync' || key === 'appendFileSync') {
        const o = args[2] as { flag?: string } | string | undefined;
        call.flags = typeof o === 'object' && o?.flag ? o.flag : key === 'appendFileSync' ? 'a' : 'w';
      }
      if (px.recording) px.calls.push(call);
      px.onCall?.(call);
      for (const rule of px.rules) {
        if (!matches(rule, call)) continue;
        rule.seen = (rule.seen ?? 0) + 1;
        if (rule.seen <= (rule.after ?? 0)) continue;
        if (rule.times !== undefined && (rule.failed ?? 0) >= rule.times) continue;
        rule.failed = (rule.failed ?? 0) + 1;
        if (rule.partial) writeHalf(base, call);
        throw errnoError(rule.code, key.replace(/Sync$/, ''), call.paths[0]);
      }
      const result = fn.apply(base, args);
      if (key === 'openSync' && typeof result === 'number' && call.paths[0]) fdPaths.set(result, { path: call.paths[0], flags: call.flags ?? 'r' });
      if (key === 'closeSync' && typeof args[0] === 'number') fdPaths.delete(args[0]);
      return result;
    };
  }
  px.fs = wrapped as unknown as Fs;
  return px;
}

/** Writes the first half of what a write call would have written. */
export function writeHalf(base: Fs, call: FsCall): void {
  if (call.op === 'writeSync') {
    const [fd, buf, a2, a3, a4] = call.args as [number, Uint8Array | string, number?, number?, number?];
    if (typeof buf === 'string') base.writeSync(fd, buf.slice(0, Math.floor(buf.length / 2)), a2 as number | undefined);
    else {
      const off = a2 ?? 0;
      const len = a3 ?? buf.length - off;
      base.writeSync(fd, buf, off, Math.floor(len / 2), a4 as number | undefined);
    }
  } else if (call.op === 'writeFileSync') {
    const [p, data, opts] = call.args as [string, Uint8Array | string, realFs.WriteFileOptions?];
    const b = Buffer.from(data as Uint8Array);
    base.writeFileSync(p, b.subarray(0, Math.floor(b.length / 2)), opts);
  }
}

/** Whether a call may change the file system (opens count when their flags allow writing). */
export function isWrite(call: FsCall): boolean {
  if (call.op === 'openSync') return /[wa+]/.test(call.flags ?? 'r');
  if (call.op === 'writeFileSync' || call.op === 'appendFileSync') return true;
  if (call.op === 'fsyncSync' || call.op === 'fdatasyncSync') return false;
  return MUTATING.has(call.op);
}

/** The paths a call may change: for renames, copies and links, both ends. */
export function writtenPaths(call: FsCall): string[] {
  return isWrite(call) ? call.paths : [];
}
