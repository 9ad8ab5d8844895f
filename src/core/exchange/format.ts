// Session export files: one session — its checkpoints, branches and every snapshot they need — in a
// single file another store can import. Pure format code (no engine state); export.ts and import.ts do the I/O.
//
// Layout (streamable: snapshots are written one at a time, the index goes last):
//   "STEXPORT1\n"
//   records: [sha256 32 bytes][raw length u32][stored length u32][codec u8][stored bytes]…
//   header:  UTF-8 JSON (ExportHeader)
//   trailer: [header length u32]["STEXEND\n"]
//
// An import file is untrusted: `validateHeader` checks every field, every reference and that the
// history is consistent (each change's "before" is the version its parent holds) before anything
// is written, and every snapshot is decompressed with a size cap and checked against its hash.
import { INFO_FIELDS, LIMITS, validateMeta } from '../names';
import { CHECKPOINT_SOURCES, type CheckpointMeta, type CheckpointSource, EngineError } from '../types';

export const EXPORT_MAGIC = Buffer.from('STEXPORT1\n');
export const EXPORT_TRAILER = Buffer.from('STEXEND\n');
export const EXPORT_VERSION = 1;
export const RECORD_HEADER = 41; // hash 32 | raw u32 | stored u32 | codec u8
export const CODEC_RAW = 0;
export const CODEC_DEFLATE = 1;

export const IMPORT_LIMITS = {
  /** Largest header (JSON) accepted. */
  headerBytes: 256 * 1024 * 1024,
  /** Largest single snapshot (uncompressed). */
  objectBytes: 1024 * 1024 * 1024,
  checkpoints: 1_000_000,
  folders: 1000,
  label: 10_000,
  /** A checkpoint's info: its known fields (tools, prompt, …) within the API's limits (names.ts), and the rest in this much JSON. */
  info: 64 * 1024,
  /** Every snapshot the file refers to, uncompressed, together: what one import may inflate and store. */
  totalBytes: 8 * 1024 * 1024 * 1024,
};

export interface ExportVersion {
  hash: string;
  mode: number;
}

export interface ExportChange {
  key: string;
  before: ExportVersion | null;
  after: ExportVersion | null;
  added: number;
  removed: number;
  binary: boolean;
}

export interface ExportCheckpoint {
  /** Index of the parent in `checkpoints` (-1: the root). Always smaller than the checkpoint's own index. */
  parent: number;
  createdAt: number;
  source: CheckpointSource;
  label: string;
  exitCode?: number;
  info?: Record<string, unknown>;
  changes: ExportChange[];
  /** The root only: the full starting state, key → version. */
  manifest?: Record<string, ExportVersion>;
}

/** A workspace folder of the exporting store: its key (the first part of every file key) and the name people saw. */
export interface ExportFolder {
  key: string;
  name: string;
}

export interface ExportHeader {
  format: 'session-tree-export';
  version: number;
  exportedAt: number;
  session: { title: string; tags: string[]; createdAt: number };
  /**
   * The folders the session's files are in (added after format 1 was first written; optional, so a
   * file without it still imports — its folders' keys are then their display names). An import
   * maps each onto an open folder (`folders.ts`).
   */
  folders?: ExportFolder[];
  checkpoints: ExportCheckpoint[];
  branches: { name: string; head: number }[];
  activeBranch: string;
}

function bad(why: string): never {
  throw new EngineError('invalid-argument', `This is not a valid Session Tree export: ${why}. Nothing was imported.`);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

/**
 * A store key `<folder name>/<relative path>`: no empty, "." or ".." parts, no NUL — and, on every
 * platform (an export made on one is imported on another), no backslash (a separator on Windows:
 * `..\x` climbs out there), no drive letter (`C:`, also as a later part) and no part of only dots
 * and spaces (Windows trims those: `.. ` is `..`).
 */
export function checkKey(key: unknown, where: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 32_768) bad(`${where}: a file key is not text of a sane length`);
  const shown = JSON.stringify(key.slice(0, 80));
  if (key.includes('\0')) bad(`${where}: the file key ${shown} contains a NUL byte`);
  if (key.includes('\\')) bad(`${where}: the file key ${shown} contains a backslash (a folder separator on Windows, where it could escape the workspace folder)`);
  const parts = key.split('/');
  if (parts.length < 2) bad(`${where}: the file key ${shown} names no workspace folder`);
  if (parts.some((p) => /^[A-Za-z]:/.test(p))) bad(`${where}: the file key ${shown} contains a drive letter (it could name a path outside the workspace on Windows)`);
  if (parts.some((p) => p === '' || /^[. ]+$/.test(p))) {
    bad(`${where}: the file key ${shown} is not a plain path inside its workspace folder (it could escape it)`);
  }
  return key;
}

/** A folder's key: one key part under the same rules as `checkKey`'s parts. */
export function checkFolderKey(key: unknown, where: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1000) bad(`${where}: a folder key is not text of a sane length`);
  const shown = JSON.stringify(key.slice(0, 80));
  if (key.includes('/') || key.includes('\\') || key.includes('\0')) bad(`${where}: the folder key ${shown} contains a separator or a NUL byte`);
  if (/^[A-Za-z]:/.test(key) || /^[. ]+$/.test(key)) bad(`${where}: the folder key ${shown} is not a plain folder name`);
  return key;
}

/**
 * The header's list of folders, checked: each a key (unique) and a display name. Without the field
 * (an older export), each folder its files are in, named by its key. Folders no file is in are
 * dropped (nothing to map); a file in a folder the list leaves out is an error.
 */
function checkFolders(raw: unknown, cps: ExportCheckpoint[]): ExportFolder[] {
  const used = new Set<string>();
  for (const c of cps) {
    for (const ch of c.changes) used.add(ch.key.slice(0, ch.key.indexOf('/')));
    for (const k of Object.keys(c.manifest ?? {})) used.add(k.slice(0, k.indexOf('/')));
  }
  if (raw === undefined) return [...used].sort().map((key) => ({ key, name: key }));
  if (!Array.isArray(raw)) bad('its list of folders is not a list');
  if (raw.length > IMPORT_LIMITS.folders) bad(`it lists more than ${IMPORT_LIMITS.folders} folders`);
  const keys = new Set<string>();
  const out: ExportFolder[] = [];
  raw.forEach((f: unknown, i: number) => {
    const where = `folder ${i}`;
    if (!isObj(f)) bad(`${where} is not an object`);
    const key = checkFolderKey(f.key, where);
    if (keys.has(key)) bad(`two folders have the key ${JSON.stringify(key.slice(0, 80))}`);
    keys.add(key);
    if (!isText(f.name, 1000) || f.name.trim() === '' || /[\u0000-\u001f\u007f]/.test(f.name)) bad(`${where} has no valid name`);
    if (used.has(key)) out.push({ key, name: f.name });
  });
  for (const k of used) if (!keys.has(k)) bad(`its files are in a folder (${JSON.stringify(k.slice(0, 80))}) its list of folders does not name`);
  return out;
}

/** What a restore may set on a file: permission bits only (no setuid, setgid or sticky bit, no file type). */
export const MODE_BITS = 0o777;

function checkMode(mode: unknown, where: string): number {
  if (!isInt(mode, 0, 0o7777)) bad(`${where}: a file mode is not a permission number`);
  if ((mode & ~MODE_BITS) !== 0) {
    bad(`${where}: a file mode (0o${mode.toString(8)}) has special bits (setuid, setgid or sticky); only permission bits (0o777) can be imported`);
  }
  return mode;
}

/** A checkpoint's stored info: each known field as `createCheckpoint` would take it; anything else bounded. */
function checkInfo(info: unknown, where: string): void {
  if (!isObj(info)) bad(`${where} has metadata that is not an object`);
  const known: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(info)) ((INFO_FIELDS as readonly string[]).includes(k) ? known : rest)[k] = v;
  if (JSON.stringify(rest).length > IMPORT_LIMITS.info) bad(`${where} has too much metadata`);
  try {
    validateMeta(known as CheckpointMeta);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    bad(`${where} has metadata Session Tree does not take: ${e.message.replace(/\.$/, '')}`);
  }
}

function checkVersion(v: unknown, where: string, hashes: Set<string>): ExportVersion | null {
  if (v === null || v === undefined) return null;
  if (!isObj(v) || typeof v.hash !== 'string' || !/^[0-9a-f]{64}$/.test(v.hash)) bad(`${where}: a file version has no valid content hash`);
  const mode = checkMode(v.mode, where);
  hashes.add(v.hash);
  return { hash: v.hash, mode };
}

/**
 * Checks an export header completely. Returns it typed, with the content hashes it refers to.
 * Throws EngineError('invalid-argument') naming the first problem.
 */
export function validateHeader(raw: unknown): { header: ExportHeader; hashes: Set<string> } {
  if (!isObj(raw)) bad('its index is not an object');
  if (raw.format !== 'session-tree-export') bad('its index does not say it is a session export');
  if (!isInt(raw.version, 1)) bad('it has no format version');
  if (raw.version > EXPORT_VERSION) {
    throw new EngineError('invalid-argument', `This export was written by a newer version of Session Tree (format ${raw.version}); update Session Tree to import it. Nothing was imported.`);
  }
  const s = raw.session;
  if (!isObj(s) || !isText(s.title, 200) || !Array.isArray(s.tags) || !s.tags.every((t) => isText(t, 200)) || !isInt(s.createdAt)) bad('the session is described wrongly');
  if (s.tags.length > LIMITS.tags) bad(`the session has more than ${LIMITS.tags} tags`);
  if (!Array.isArray(raw.checkpoints) || raw.checkpoints.length === 0) bad('it has no checkpoints');
  if (raw.checkpoints.length > IMPORT_LIMITS.checkpoints) bad(`it has more than ${IMPORT_LIMITS.checkpoints} checkpoints`);
  const hashes = new Set<string>();
  const cps: ExportCheckpoint[] = [];
  raw.checkpoints.forEach((c: unknown, i: number) => {
    const where = `checkpoint ${i}`;
    if (!isObj(c)) bad(`${where} is not an object`);
    if (i === 0 ? c.parent !== -1 : !isInt(c.parent) || c.parent >= i) {
      bad(i === 0 ? 'the first checkpoint must be the start of the session' : `${where} has a parent that is not an earlier checkpoint (a loop or a dangling reference)`);
    }
    if (!isInt(c.createdAt)) bad(`${where} has no valid time`);
    if (typeof c.source !== 'string' || !(CHECKPOINT_SOURCES as string[]).includes(c.source) || (c.source === 'start') !== (i === 0)) bad(`${where} has an unknown or misplaced source`);
    if (!isText(c.label, IMPORT_LIMITS.label)) bad(`${where} has no valid label`);
    if (c.exitCode !== undefined && !isInt(c.exitCode, -(2 ** 31), 2 ** 31)) bad(`${where} has an invalid exit code`);
    if (c.info !== undefined) checkInfo(c.info, where);
    if (!Array.isArray(c.changes)) bad(`${where} has no list of changes`);
    const seen = new Set<string>();
    const changes = c.changes.map((ch: unknown) => {
      if (!isObj(ch)) bad(`${where}: a change is not an object`);
      const key = checkKey(ch.key, where);
      if (seen.has(key)) bad(`${where} changes ${JSON.stringify(key.slice(0, 80))} twice`);
      seen.add(key);
      const before = checkVersion(ch.before, where, hashes);
      const after = checkVersion(ch.after, where, hashes);
      if (!before && !after) bad(`${where}: a change of ${JSON.stringify(key.slice(0, 80))} has neither a before nor an after`);
      if (!isInt(ch.added) || !isInt(ch.removed) || typeof ch.binary !== 'boolean') bad(`${where}: a change has invalid line counts`);
      return { key, before, after, added: ch.added, removed: ch.removed, binary: ch.binary };
    });
    let manifest: Record<string, ExportVersion> | undefined;
    if (i === 0) {
      if (!isObj(c.manifest)) bad('the start of the session has no starting state');
      if (changes.length) bad('the start of the session lists changes');
      manifest = {};
      for (const [k, v] of Object.entries(c.manifest)) {
        const ver = checkVersion(v, 'the starting state', hashes);
        if (!ver) bad('the starting state lists a file with no version');
        manifest[checkKey(k, 'the starting state')] = ver;
      }
    } else if (c.manifest !== undefined) bad(`${where} has a starting state but is not the start`);
    cps.push({
      parent: c.parent as number, createdAt: c.createdAt, source: c.source as CheckpointSource, label: c.label,
      exitCode: c.exitCode as number | undefined, info: c.info as Record<string, unknown> | undefined, changes, manifest,
    });
  });
  if (!Array.isArray(raw.branches) || raw.branches.length === 0) bad('it has no branches');
  const names = new Set<string>();
  const branches = raw.branches.map((b: unknown) => {
    if (!isObj(b) || !isText(b.name, 200) || b.name.trim() === '' || /[\u0000-\u001f\u007f]/.test(b.name) || /^\d+$/.test(b.name)) bad('a branch has an invalid name');
    if (names.has(b.name)) bad(`two branches are named ${JSON.stringify(b.name)}`);
    names.add(b.name);
    if (!isInt(b.head) || b.head >= cps.length) bad(`branch ${JSON.stringify(b.name)} points to a checkpoint that is not in the file`);
    return { name: b.name, head: b.head };
  });
  if (typeof raw.activeBranch !== 'string' || !names.has(raw.activeBranch)) bad('its active branch is not one of its branches');
  const folders = checkFolders(raw.folders, cps);
  checkConsistent(cps);
  return {
    header: {
      format: 'session-tree-export', version: raw.version, exportedAt: isInt(raw.exportedAt) ? raw.exportedAt : 0,
      session: { title: s.title, tags: s.tags as string[], createdAt: s.createdAt }, folders, checkpoints: cps, branches, activeBranch: raw.activeBranch,
    },
    hashes,
  };
}

/** Every change's `before` must be what its parent's state holds: walks the tree once, depth first. */
function checkConsistent(cps: ExportCheckpoint[]): void {
  const children: number[][] = cps.map(() => []);
  for (let i = 1; i < cps.length; i++) children[cps[i].parent].push(i);
  const state = new Map<string, string>();
  const ver = (v: ExportVersion | null) => (v ? `${v.hash}:${v.mode}` : undefined);
  for (const [k, v] of Object.entries(cps[0].manifest!)) state.set(k, ver(v)!);
  // Explicit stack: enter a checkpoint (apply its changes), later leave it (undo them).
  const stack: { i: number; leave: boolean }[] = children[0].map((i) => ({ i, leave: false })).reverse();
  const undo: Map<string, string | undefined>[] = [];
  while (stack.length) {
    const { i, leave } = stack.pop()!;
    if (leave) {
      for (const [k, v] of undo.pop()!) {
        if (v === undefined) state.delete(k);
        else state.set(k, v);
      }
      continue;
    }
    const saved = new Map<string, string | undefined>();
    for (const ch of cps[i].changes) {
      if (state.get(ch.key) !== ver(ch.before)) bad(`checkpoint ${i} says ${JSON.stringify(ch.key.slice(0, 80))} was something its parent does not hold`);
      saved.set(ch.key, state.get(ch.key));
      const after = ver(ch.after);
      if (after === undefined) state.delete(ch.key);
      else state.set(ch.key, after);
    }
    undo.push(saved);
    stack.push({ i, leave: true });
    for (let k = children[i].length - 1; k >= 0; k--) stack.push({ i: children[i][k], leave: false });
  }
}

export function recordHeader(hash: string, raw: number, stored: number, codec: number): Buffer {
  const h = Buffer.alloc(RECORD_HEADER);
  Buffer.from(hash, 'hex').copy(h, 0);
  h.writeUInt32LE(raw, 32);
  h.writeUInt32LE(stored, 36);
  h[40] = codec;
  return h;
}
