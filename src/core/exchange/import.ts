// Import: a session from an export file, as a new session (not made active; no workspace file is
// touched), its folders mapped onto the open ones (`folders.ts`: every file key's folder part is
// rewritten to the open folder's key). The file is untrusted: everything in it is checked —
// format, every field, every file key, the history's consistency, every snapshot against its hash
// with a size cap — before anything is written to the store. Only a regular file is read (never a pipe or a device), and a
// snapshot's claimed size is checked against this workspace's size limit before it is inflated.
import type * as nodeFs from 'node:fs';
import { constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { O_NONBLOCK, withPath } from '../../storage/files';
import { sha256 } from '../../storage/objects';
import type { EngineContext } from '../context';
import { type ChangeRecord, type Manifest, encodeManifest } from '../encoding';
import { ioError } from '../ioErrors';
import { DEFAULT_LABELS } from '../model';
import { MAX_NAME, cleanBranchName, cleanName } from '../names';
import { DEFAULT_MAX_FILE_SIZE, formatBytes } from '../tracking';
import { EngineError, type SessionInfo } from '../types';
import { type FolderChoice, type FolderMapping, mapFolders, unmappedKey, unmatchedError } from './folders';
import { CODEC_DEFLATE, CODEC_RAW, EXPORT_MAGIC, EXPORT_TRAILER, type ExportFolder, IMPORT_LIMITS, MODE_BITS, RECORD_HEADER, validateHeader } from './format';

/** An imported session, with where each of the export's folders went. */
export type ImportedSession = SessionInfo & { folders: FolderMapping[] };

export interface ImportOptions {
  title?: string;
  /** Export folder (key or display name) → open folder (key or display name), or null: its files are kept but skipped on restore. */
  folders?: FolderChoice;
}

/** What an export holds and where its folders would go, read without importing (for the command's questions). */
export interface ImportPreview {
  title: string;
  checkpoints: number;
  /** The export's folders that map onto an open folder by themselves (or as `folders` chose). */
  mapped: FolderMapping[];
  /** Those that need a choice. */
  unmatched: ExportFolder[];
  /** The open folders: key and display name. */
  open: { key: string; name: string }[];
}

export function previewImport(ctx: EngineContext, file: string, options: { folders?: FolderChoice } = {}): ImportPreview {
  const ex = openExport(ctx, file);
  try {
    const { header } = ex.checked;
    const { mapped, unmatched } = mapFolders(header.folders!, ctx.roots.list, options.folders);
    return {
      title: header.session.title, checkpoints: header.checkpoints.length, mapped, unmatched,
      open: ctx.roots.list.map((r) => ({ key: r.name, name: r.label ?? r.name })),
    };
  } finally {
    ex.close();
  }
}

/** The import file opened, its index read and checked; the caller closes it. */
function openExport(ctx: EngineContext, file: string) {
  if (typeof file !== 'string' || !path.isAbsolute(file)) throw new EngineError('invalid-argument', 'Import needs an absolute file path.');
  const bad = (why: string): never => {
    throw new EngineError('invalid-argument', `${file} is not a valid Session Tree export: ${why}. Nothing was imported.`);
  };
  const fd = openRegular(ctx, file, bad);
  const close = () => ctx.fs.closeSync(fd);
  try {
    const read = (pos: number, len: number): Buffer => {
      const b = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const n = ctx.fs.readSync(fd, b, got, len - got, pos + got);
        if (n === 0) break;
        got += n;
      }
      if (got !== len) bad('it is shorter than it says');
      return b;
    };
    let size: number;
    try {
      // What was opened, not what the name pointed to a moment before: a regular file or nothing.
      const st = ctx.fs.fstatSync(fd);
      if (!st.isFile()) bad(notRegular(st));
      size = st.size;
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw ioError(withPath(e, file), 'Could not import');
    }
    if (size < EXPORT_MAGIC.length + 4 + EXPORT_TRAILER.length) bad('it is too short');
    if (!read(0, EXPORT_MAGIC.length).equals(EXPORT_MAGIC)) bad('it does not start like one');
    const trailer = read(size - 4 - EXPORT_TRAILER.length, 4 + EXPORT_TRAILER.length);
    if (!trailer.subarray(4).equals(EXPORT_TRAILER)) bad('its end is missing (the file was cut short or has extra bytes)');
    const headerLen = trailer.readUInt32LE(0);
    const headerStart = size - 4 - EXPORT_TRAILER.length - headerLen;
    if (headerLen > IMPORT_LIMITS.headerBytes || headerStart < EXPORT_MAGIC.length) bad('its index is larger than the file');
    let parsed: unknown;
    try {
      parsed = JSON.parse(read(headerStart, headerLen).toString('utf8'));
    } catch (e) {
      if (e instanceof EngineError) throw e;
      bad('its index is not readable JSON');
    }
    let checked: ReturnType<typeof validateHeader>;
    try {
      checked = validateHeader(parsed);
    } catch (e) {
      if (e instanceof EngineError) throw new EngineError(e.code, `${file}: ${e.message}`);
      throw e;
    }
    return { checked, read, bad, headerStart, close };
  } catch (e) {
    close();
    throw e;
  }
}

export function importSession(ctx: EngineContext, file: string, options: ImportOptions): ImportedSession {
  const steps = importSteps(ctx, file, options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `importSession` letting the event loop turn (`turn`) while it checks and stores snapshots, so the
 * engine's thread answers reads meanwhile. Snapshots stored before the session is written are
 * referred to by nothing yet: a read in between sees the store as it was; the session appears in
 * one transaction at the end. The caller keeps writers out until it ends (the worker's scheduler).
 */
export async function importSessionYielding(ctx: EngineContext, file: string, options: ImportOptions, turn: () => Promise<void>): Promise<ImportedSession> {
  const steps = importSteps(ctx, file, options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await turn();
  }
}

/** Snapshots, or bytes of them, handled between two turns of the event loop in `importSessionYielding`. */
const TURN_SNAPSHOTS = 64;
const TURN_BYTES = 1 << 20;

/** The import, as steps: it yields where the event loop may turn (between snapshots, never inside a transaction). */
function* importSteps(ctx: EngineContext, file: string, options: ImportOptions): Generator<void, ImportedSession, void> {
  const { meta, history } = ctx;
  const ex = openExport(ctx, file);
  const { checked, read, bad, headerStart } = ex;
  try {
    const { header, hashes } = checked;
    // Where each folder goes, decided before anything is read further: a mapping that cannot be
    // used imports nothing.
    const { mapped, unmatched } = mapFolders(header.folders!, ctx.roots.list, options.folders);
    if (unmatched.length) throw unmatchedError(unmatched, ctx.roots.list);
    const used = new Set([...ctx.roots.list.map((r) => r.name), ...mapped.flatMap((m) => (m.to ? [m.to] : []))]);
    const target = new Map<string, string>();
    for (const m of mapped) {
      const to = m.to ?? unmappedKey({ key: m.from, name: m.fromName }, used);
      used.add(to);
      target.set(m.from, to);
    }
    // Distinct folders go to distinct keys, so the history stays consistent under the new keys.
    const rekey = (k: string) => {
      const slash = k.indexOf('/');
      return target.get(k.slice(0, slash))! + k.slice(slash);
    };
    // Snapshot records: where each one is. Their claimed sizes are checked before anything is
    // read or inflated: none larger than this workspace would track, not more than the file could
    // hold compressed, and not too much together.
    const maxFile = ctx.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    const perObject = Math.min(IMPORT_LIMITS.objectBytes, maxFile);
    const found = new Map<string, { offset: number; raw: number; stored: number; codec: number }>();
    for (let pos = EXPORT_MAGIC.length; pos < headerStart; ) {
      if (pos + RECORD_HEADER > headerStart) bad('a snapshot record is cut off');
      const rh = read(pos, RECORD_HEADER);
      const hash = rh.subarray(0, 32).toString('hex');
      const raw = rh.readUInt32LE(32);
      const stored = rh.readUInt32LE(36);
      const codec = rh[40];
      if (codec !== CODEC_RAW && codec !== CODEC_DEFLATE) bad(`snapshot ${hash.slice(0, 12)} is stored in an unknown way`);
      if (raw > perObject) {
        bad(raw > IMPORT_LIMITS.objectBytes || perObject === IMPORT_LIMITS.objectBytes
          ? `snapshot ${hash.slice(0, 12)} claims ${formatBytes(raw)}, more than the ${formatBytes(IMPORT_LIMITS.objectBytes)} accepted`
          : `snapshot ${hash.slice(0, 12)} is a file of ${formatBytes(raw)}, larger than the size limit of this workspace (${formatBytes(maxFile)}, the maxFileSize setting), so it would not be tracked here`);
      }
      if (codec === CODEC_RAW && stored !== raw) bad(`snapshot ${hash.slice(0, 12)} has inconsistent sizes`);
      // Deflate cannot shrink data by more than about 1:1032: a larger claim is a lie, refused before inflating.
      if (codec === CODEC_DEFLATE && raw > stored * MAX_DEFLATE_RATIO + 64) bad(`snapshot ${hash.slice(0, 12)} claims more than its compressed bytes can hold`);
      if (pos + RECORD_HEADER + stored > headerStart) bad(`snapshot ${hash.slice(0, 12)} is cut off`);
      if (!found.has(hash)) found.set(hash, { offset: pos + RECORD_HEADER, raw, stored, codec });
      pos += RECORD_HEADER + stored;
    }
    const load = (h: string): Buffer => {
      const loc = found.get(h)!;
      const stored = read(loc.offset, loc.stored);
      let data: Buffer;
      try {
        data = loc.codec === CODEC_RAW ? stored : zlib.inflateRawSync(stored, { maxOutputLength: Math.max(1, loc.raw) });
      } catch {
        return bad(`snapshot ${h.slice(0, 12)} cannot be decompressed to the size it claims`);
      }
      if (data.length !== loc.raw || sha256(data) !== h) bad(`snapshot ${h.slice(0, 12)} does not match its hash (the file is damaged or was altered)`);
      return data;
    };
    let total = 0;
    for (const h of hashes) {
      const loc = found.get(h);
      if (!loc) bad(`the snapshot ${h.slice(0, 12)} it refers to is not in the file`);
      total += loc!.raw;
    }
    if (total > IMPORT_LIMITS.totalBytes) bad(`its snapshots hold ${formatBytes(total)} together, more than the ${formatBytes(IMPORT_LIMITS.totalBytes)} one import accepts`);
    let sinceTurn = 0;
    let count = 0;
    const paced = function* (h: string) {
      sinceTurn += found.get(h)!.raw;
      if (sinceTurn >= TURN_BYTES || ++count % TURN_SNAPSHOTS === 0) {
        sinceTurn = 0;
        yield;
      }
    };
    // Checked now, stored below: nothing is written unless all of it is sound.
    for (const h of hashes) {
      load(h);
      yield* paced(h);
    }
    const branchNames = new Map<string, number>();
    for (const b of header.branches) {
      let n: string;
      try {
        n = cleanBranchName(b.name);
      } catch (e) {
        return bad(`branch ${JSON.stringify(b.name)}: ${(e as Error).message}`);
      }
      if (branchNames.has(n)) bad(`two branches are named ${JSON.stringify(n)}`);
      branchNames.set(n, b.head);
    }
    const active = cleanBranchName(header.activeBranch);
    const rawTitle = options.title ?? `${header.session.title.replace(/[\r\n\t]+/g, ' ').trim() || 'Session'} (imported)`;
    const title = cleanName(rawTitle.length > MAX_NAME ? rawTitle.slice(0, MAX_NAME) : rawTitle, 'session title');
    const tags = [...new Set(header.session.tags.map((t) => t.replace(/[\r\n\t]+/g, ' ').trim()).filter((t) => t && t.length <= MAX_NAME && !/[\u0000-\u001f\u007f]/.test(t)))];
    // Referred to by nothing until the transaction below: a failure leaves them for gc to free.
    for (const h of hashes) {
      ctx.objects.putWithHash(h, load(h));
      yield* paced(h);
    }
    const id = ctx.mutate(() => {
      const sid = history.insertSession({ title, createdAt: header.session.createdAt, tags, activeBranch: active });
      const ids: number[] = [];
      header.checkpoints.forEach((c, i) => {
        let manifest: string | undefined;
        if (i === 0) {
          const m: Manifest = new Map(Object.entries(c.manifest!).map(([k, v]) => [rekey(k), { hash: v.hash, mode: v.mode & MODE_BITS }]));
          manifest = ctx.objects.put(encodeManifest(m));
          ctx.states.remember(manifest, m);
        }
        // Modes were checked to be permission bits only; masked again here, where versions are made.
        const changes: ChangeRecord[] = c.changes
          .map((ch) => ({
            path: meta.pathId(rekey(ch.key)),
            beforeBlob: ch.before ? meta.blobId(ch.before.hash, found.get(ch.before.hash)!.raw) : 0, beforeMode: (ch.before?.mode ?? 0) & MODE_BITS,
            afterBlob: ch.after ? meta.blobId(ch.after.hash, found.get(ch.after.hash)!.raw) : 0, afterMode: (ch.after?.mode ?? 0) & MODE_BITS,
            added: ch.added, removed: ch.removed, binary: ch.binary,
          }))
          .sort((a, b) => meta.keyOf(a.path).localeCompare(meta.keyOf(b.path)));
        if (i === 0) for (const v of Object.values(c.manifest!)) meta.blobId(v.hash, found.get(v.hash)!.raw);
        ids[i] = history.insertCheckpoint({
          session: sid, parent: i === 0 ? 0 : ids[c.parent], source: c.source, label: c.label.trim() || DEFAULT_LABELS[c.source],
          info: c.info, changes, manifest, createdAt: c.createdAt, exitCode: c.exitCode,
        });
      });
      history.setRoot(sid, ids[0]);
      for (const [n, head] of branchNames) history.setBranchHead(sid, n, ids[head]);
      return sid;
    });
    return { ...history.info(history.sessions.get(id)!), folders: mapped };
  } finally {
    ex.close();
  }
}

/** The most deflate can shrink data (zlib's limit is about 1:1032). */
const MAX_DEFLATE_RATIO = 1100;

/**
 * Opens the import file for reading only if it is a regular file: a named pipe, socket, device or
 * folder is refused without blocking (a pipe opened plainly waits for a writer forever) and
 * without reading from it. The name is statted first (a device is never even opened), then opened
 * non-blocking, and the caller checks the open descriptor again (the name may have been swapped).
 */
function openRegular(ctx: EngineContext, file: string, bad: (why: string) => never): number {
  let st: nodeFs.Stats;
  try {
    st = ctx.fs.statSync(file);
  } catch (e) {
    throw ioError(e, 'Could not import');
  }
  if (!st.isFile()) bad(notRegular(st));
  try {
    return ctx.fs.openSync(file, fsConstants.O_RDONLY | O_NONBLOCK);
  } catch (e) {
    throw ioError(e, 'Could not import');
  }
}

function notRegular(st: nodeFs.Stats): string {
  const kind = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'something other than a file';
  return `it is ${kind}, not a file (only a regular file can be imported)`;
}
