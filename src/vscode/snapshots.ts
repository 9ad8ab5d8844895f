import * as vscode from 'vscode';
import type { FileVersion } from '../core/types';
import type { EngineHost } from './engineHost';
import { SNAPSHOT_SCHEME } from './ids';
import { Disposable } from './lifecycle';

/**
 * Read-only documents holding one stored file version: `session-tree:<the file's path>?<json>`.
 * The path is the file's own (as in the git extension's URIs), so editors pick its language and
 * the multi-file diff editor pairs it with the file; the query names the content hash (empty: the
 * file does not exist in that version).
 */
interface SnapshotQuery {
  /** Content hash; '' for "absent". */
  h: string;
  /** What the version is, for the editor tab ("before", checkpoint label…). */
  t?: string;
}

export function toSnapshotUri(filePath: string, version: FileVersion | undefined, tag?: string): vscode.Uri {
  const query: SnapshotQuery = { h: version?.hash ?? '', ...(tag ? { t: tag } : {}) };
  return vscode.Uri.file(filePath).with({ scheme: SNAPSHOT_SCHEME, query: JSON.stringify(query) });
}

export function fromSnapshotUri(uri: vscode.Uri): SnapshotQuery {
  try {
    const q = JSON.parse(uri.query) as Partial<SnapshotQuery>;
    return { h: typeof q.h === 'string' ? q.h : '', ...(typeof q.t === 'string' ? { t: q.t } : {}) };
  } catch {
    throw vscode.FileSystemError.FileNotFound(uri);
  }
}

const EMPTY = new Uint8Array(0);
const CACHE_LIMIT = 32;

/** Serves snapshot bytes from the store; nothing can be written through it. */
export class SnapshotFileSystem extends Disposable implements vscode.FileSystemProvider {
  // Never fires: stored versions are immutable.
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.emitter.event;
  // Diff editors stat then read the same URI; keep the last few contents to answer both at once.
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly host: EngineHost) {
    super();
    this.register(
      vscode.workspace.registerFileSystemProvider(SNAPSHOT_SCHEME, this, { isReadonly: true, isCaseSensitive: true }),
    );
  }

  private content(uri: vscode.Uri): Promise<Uint8Array> {
    const { h } = fromSnapshotUri(uri);
    if (!h) return Promise.resolve(EMPTY);
    let p = this.cache.get(h);
    if (!p) {
      p = this.host.get().then((engine) => engine.readContent(h));
      p.catch(() => this.cache.delete(h));
      this.cache.set(h, p);
      if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
    }
    return p;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const bytes = await this.content(uri).catch(() => {
      throw vscode.FileSystemError.FileNotFound(uri);
    });
    return { type: vscode.FileType.File, ctime: 0, mtime: 0, size: bytes.byteLength, permissions: vscode.FilePermission.Readonly };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    try {
      return await this.content(uri);
    } catch (e) {
      throw vscode.FileSystemError.FileNotFound(`${uri.path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}
