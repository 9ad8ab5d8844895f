// Export: one session — its checkpoints, branches and every snapshot they need — to a single file.
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { removeQuietly, replaceFile, withPath, writeAll } from '../../storage/files';
import { ObjectCorruptError } from '../../storage/objects';
import type { EngineContext } from '../context';
import { ioError } from '../ioErrors';
import { Slice, drain, nextTurn, runSliced } from '../scan/slice';
import { EngineError } from '../types';
import { headerJson } from './headerJson';
import { unmappedName } from './folders';
import { CODEC_DEFLATE, CODEC_RAW, EXPORT_MAGIC, EXPORT_TRAILER, EXPORT_VERSION, type ExportCheckpoint, type ExportHeader, type ExportVersion, recordHeader } from './format';

export interface ExportResult { file: string; bytes: number; checkpoints: number; snapshots: number }

interface Prepared { title: string; header: ExportHeader; hashes: Set<string> }

/**
 * What an export writes: the header and the snapshots it names, checked to be there. A step
 * generator (scan/slice.ts): it yields between entries whenever `due()` says a slice is over —
 * a large workspace's starting state is tens of thousands of them.
 */
function* prepare(ctx: EngineContext, sessionId: string, file: string, due: () => boolean): Generator<void, Prepared, void> {
  const { meta, history } = ctx;
  const s = history.session(sessionId);
  if (typeof file !== 'string' || !path.isAbsolute(file)) throw new EngineError('invalid-argument', 'Export needs an absolute file path.');
  const nodes = [...history.cps.values()].filter((c) => c.session === s.id).sort((a, b) => a.id - b.id);
  const index = new Map(nodes.map((c, i) => [c.id, i]));
  if (nodes[0]?.id !== s.root || !nodes[0].manifest) throw new EngineError('corrupt', `Session "${s.title}" has lost its starting state; run Repair Store first.`);
  const hashes = new Set<string>();
  const ver = (blob: number, mode: number): ExportVersion | null => {
    if (!blob) return null;
    const hash = meta.hashOf(blob);
    hashes.add(hash);
    return { hash, mode };
  };
  const checkpoints: ExportCheckpoint[] = [];
  for (const [i, c] of nodes.entries()) {
    if (due()) yield;
    const parent = i === 0 ? -1 : index.get(c.parent);
    if (parent === undefined) throw new EngineError('corrupt', `Checkpoint ${c.id} has lost its parent; run Repair Store first.`);
    const out: ExportCheckpoint = {
      parent, createdAt: c.createdAt, source: c.source, label: c.label, exitCode: c.exitCode, info: history.infoOf(c.id),
      changes: history.changesOf(c.id).map((ch) => ({
        key: meta.keyOf(ch.path), before: ver(ch.beforeBlob, ch.beforeMode), after: ver(ch.afterBlob, ch.afterMode),
        added: ch.added, removed: ch.removed, binary: ch.binary,
      })),
    };
    if (i === 0) {
      out.manifest = {};
      for (const [k, v] of ctx.states.manifestOf(c.manifest!)) {
        out.manifest[k] = { hash: v.hash, mode: v.mode };
        hashes.add(v.hash);
        if (due()) yield;
      }
    }
    checkpoints.push(out);
  }
  // The folders the files are in, with the names people see: an import maps them by name.
  const keys = new Set<string>();
  for (const c of checkpoints) {
    for (const ch of c.changes) keys.add(ch.key.slice(0, ch.key.indexOf('/')));
    for (const k of Object.keys(c.manifest ?? {})) {
      keys.add(k.slice(0, k.indexOf('/')));
      if (due()) yield;
    }
  }
  const folders = [...keys].sort().map((key) => {
    const open = ctx.roots.list.find((r) => r.name === key);
    // An imported folder that was not mapped goes out under the name it came in with.
    return { key, name: open?.label ?? unmappedName(key) ?? key };
  });
  const header: ExportHeader = {
    format: 'session-tree-export', version: EXPORT_VERSION, exportedAt: ctx.clock(),
    session: { title: s.title, tags: s.tags, createdAt: s.createdAt }, folders, checkpoints,
    branches: [...history.branchesOf(s.id)].map(([name, b]) => ({ name, head: index.get(b.head) ?? 0 })),
    activeBranch: s.activeBranch,
  };
  const missing: string[] = [];
  for (const h of hashes) {
    if (!ctx.objects.has(h)) missing.push(h);
    if (due()) yield;
  }
  if (missing.length) {
    throw new EngineError('corrupt', `Cannot export session "${s.title}": ${missing.length} of its snapshots are missing (${missing.slice(0, 3).map((h) => h.slice(0, 12)).join(', ')}). Run Repair Store first.`);
  }
  return { title: s.title, header, hashes };
}

/** The file's pieces in order: magic, one record per snapshot (yielded one by one), the header, the trailer. */
function* pieces(ctx: EngineContext, header: ExportHeader, hashes: Set<string>): Generator<Buffer, void, void> {
  yield EXPORT_MAGIC;
  for (const h of hashes) {
    const data = ctx.objects.get(h);
    let stored = data;
    let codec = CODEC_RAW;
    if (data.length >= 64) {
      const z = zlib.deflateRawSync(data, { level: 6 });
      if (z.length < data.length) {
        stored = z;
        codec = CODEC_DEFLATE;
      }
    }
    yield Buffer.concat([recordHeader(h, data.length, stored.length, codec), stored]);
  }
  let length = 0;
  for (const b of headerJson(header)) {
    length += b.length;
    yield b;
  }
  const len = Buffer.alloc(4);
  len.writeUInt32LE(length);
  yield Buffer.concat([len, EXPORT_TRAILER]);
}

const failed = (e: unknown, title: string, tmp: string): unknown => {
  if (e instanceof ObjectCorruptError) return new EngineError('corrupt', `Cannot export session "${title}": ${e.message} Run Repair Store first.`);
  return ioError(withPath(e, tmp), `Could not export session "${title}"`);
};

/** Writes one session — its checkpoints, branches and every snapshot they need — to a single file. */
export function exportSession(ctx: EngineContext, sessionId: string, file: string): ExportResult {
  const { title, header, hashes } = drain(prepare(ctx, sessionId, file, () => false));
  // Written beside the target and renamed over it: a failed export leaves no half file.
  const tmp = `${file}.st-export-tmp`;
  let bytes = 0;
  try {
    replaceFile(ctx.fs, file, tmp, (fd) => {
      for (const b of pieces(ctx, header, hashes)) {
        writeAll(ctx.fs, fd, b, bytes);
        bytes += b.length;
      }
    }, { fsync: true });
  } catch (e) {
    throw failed(e, title, tmp);
  }
  return { file, bytes, checkpoints: header.checkpoints.length, snapshots: hashes.size };
}

/** Bytes written between two turns of the event loop in `exportSessionYielding`. */
export const EXPORT_CHUNK_BYTES = 1 << 20;
/** Time spent between two turns at most (a read waiting for the turn waits about this long). */
const EXPORT_SLICE_MS = 8;
/** Written bytes flushed to disk in steps of this many, so the final fsync does not hold the thread for the whole file. */
const EXPORT_SYNC_BYTES = 8 << 20;

/**
 * What was written to `fd` flushed to disk without holding the thread: on the real file system on
 * libuv's pool (reads are answered meanwhile; writers are kept out by the caller), else (an
 * injected file system) at once, after a turn.
 */
async function flushed(ctx: EngineContext, fd: number, how: 'fsync' | 'fdatasync'): Promise<void> {
  if (ctx.fs === nodeFs) {
    await new Promise<void>((resolve, reject) => nodeFs[how](fd, (e) => (e ? reject(e) : resolve())));
    return;
  }
  await nextTurn();
  if (how === 'fsync') ctx.fs.fsyncSync(fd);
  else ctx.fs.fdatasyncSync(fd);
}

/**
 * `exportSession` that lets the event loop turn after every `EXPORT_CHUNK_BYTES` written, every 64
 * snapshots or `EXPORT_SLICE_MS`, whichever comes first, so the engine's thread answers other calls
 * meanwhile; what it wrote is flushed in steps (`EXPORT_SYNC_BYTES`), each followed by a turn. The
 * caller keeps writers out until it ends (the worker's scheduler does): what it reads does not
 * change under it.
 */
export async function exportSessionYielding(ctx: EngineContext, sessionId: string, file: string, sliceMs = EXPORT_SLICE_MS): Promise<ExportResult> {
  const slice = new Slice(sliceMs);
  const { title, header, hashes } = await runSliced(prepare(ctx, sessionId, file, () => slice.due()), slice, nextTurn);
  const tmp = `${file}.st-export-tmp`;
  let bytes = 0;
  let fd: number | undefined;
  try {
    fd = ctx.fs.openSync(tmp, 'w');
    let sinceTurn = 0;
    let unsynced = 0;
    let records = 0;
    let sliceStart = performance.now();
    for (const b of pieces(ctx, header, hashes)) {
      writeAll(ctx.fs, fd, b, bytes);
      bytes += b.length;
      sinceTurn += b.length;
      unsynced += b.length;
      if (unsynced >= EXPORT_SYNC_BYTES) {
        await flushed(ctx, fd, 'fdatasync');
        unsynced = 0;
        sinceTurn = EXPORT_CHUNK_BYTES; // a turn after the flush too
      }
      if (sinceTurn >= EXPORT_CHUNK_BYTES || ++records % 64 === 0 || performance.now() - sliceStart >= sliceMs) {
        sinceTurn = 0;
        await nextTurn();
        sliceStart = performance.now();
      }
    }
    await flushed(ctx, fd, 'fsync');
    ctx.fs.closeSync(fd);
    fd = undefined;
    ctx.fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        ctx.fs.closeSync(fd);
      } catch {
        /* the error that matters is the first */
      }
    }
    removeQuietly(ctx.fs, tmp);
    throw failed(e, title, tmp);
  }
  return { file, bytes, checkpoints: header.checkpoints.length, snapshots: hashes.size };
}
