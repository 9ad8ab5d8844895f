// The API returned by `activate`: engine data turned into the shapes of src/api.ts. Never prompts.
import * as vscode from 'vscode';
import type * as api from '../api';
import type * as core from '../core/types';
import { CHECKPOINT_SOURCES } from '../core/types';
import type { Capture } from './capture';
import type { EngineHost } from './engineHost';
import type { Restorer } from './restore';
import type { TerminalSessions } from './terminal/bindings';
import { terminalApi } from './terminal/api';

/** Checkpoint details are read this many at a time when listing. */
const DETAIL_CONCURRENCY = 16;

export function toApiBranch(b: core.BranchInfo): api.BranchInfo {
  return { name: b.name, headId: b.headId, active: b.active };
}

export function toApiSession(s: core.SessionInfo): api.SessionInfo {
  return {
    id: s.id,
    title: s.title,
    createdAt: s.createdAt,
    tags: [...s.tags],
    activeBranch: s.activeBranch,
    branches: s.branches.map(toApiBranch),
    headId: s.headId,
    ...(s.terminal ? { terminal: { ...s.terminal } } : {}),
  };
}

export function toApiCheckpoint(c: core.CheckpointInfo): api.CheckpointInfo {
  return {
    id: c.id,
    sessionId: c.sessionId,
    ...(c.parentId !== undefined ? { parentId: c.parentId } : {}),
    createdAt: c.createdAt,
    label: c.label,
    source: c.source,
    ...(c.tools !== undefined ? { tools: [...c.tools] } : {}),
    ...(c.prompt !== undefined ? { prompt: c.prompt } : {}),
    ...(c.command !== undefined ? { command: c.command } : {}),
    ...(c.cwd !== undefined ? { cwd: c.cwd } : {}),
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    ...(c.metadata !== undefined ? { metadata: structuredClone(c.metadata) } : {}),
    files: c.files.map((f) => ({
      uri: vscode.Uri.file(f.path), change: f.change, added: f.added, removed: f.removed,
      ...(f.beforeSize !== undefined ? { beforeSize: f.beforeSize } : {}),
      ...(f.afterSize !== undefined ? { afterSize: f.afterSize } : {}),
    })),
  };
}

export function toApiResult(r: core.RestoreResult): api.RestoreResult {
  return {
    ...(r.safetyCheckpointId !== undefined ? { safetyCheckpointId: r.safetyCheckpointId } : {}),
    files: r.files.map((f) => ({
      uri: vscode.Uri.file(f.path),
      status: f.status,
      ...(f.reason !== undefined ? { reason: f.reason } : {}),
    })),
  };
}

function fsPathsOf(uris: readonly vscode.Uri[]): string[] {
  if (!Array.isArray(uris)) throw Object.assign(new Error('Expected an array of file URIs.'), { code: 'invalid-argument' });
  return uris.map((u) => {
    if (!(u instanceof vscode.Uri) || u.scheme !== 'file') {
      throw Object.assign(new Error(`Not a file URI: ${String(u)}`), { code: 'invalid-argument' });
    }
    return u.fsPath;
  });
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function createApi(
  host: EngineHost,
  capture: Capture,
  restorer: Restorer,
  subscriptions: vscode.Disposable[],
  terminals?: TerminalSessions,
): api.SessionTreeApi {
  const engine = () => host.get();
  const restore = async (target: core.RestoreTarget): Promise<api.RestoreResult> => {
    const result = await restorer.run(target, { interactive: false });
    // Not interactive, so there is nothing to cancel.
    if (!result) throw new Error('The restore did not run.');
    return toApiResult(result);
  };
  const emitter = new vscode.EventEmitter<void>();
  subscriptions.push(emitter, host.onDidChange(() => emitter.fire()));

  return {
    version: 1,
    ready: host.ready,
    onDidChange: emitter.event,

    async sessions() {
      return (await (await engine()).sessions()).map(toApiSession);
    },
    async activeSession() {
      const s = await (await engine()).activeSession();
      return s && toApiSession(s);
    },
    async newSession(options) {
      return toApiSession(await (await engine()).newSession(options?.title !== undefined ? { title: options.title } : {}));
    },
    async switchSession(sessionId) {
      await (await engine()).switchSession(sessionId);
    },
    ...(terminals ? terminalApi(engine, terminals) : {}),
    async checkpoints(options = {}) {
      const e = await engine();
      // A new store has its first session once its first scan is done: until then it has no checkpoint.
      if (options.sessionId === undefined && !(await e.activeSession())) return [];
      const list = await e.checkpoints({
        ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
        ...(options.branch !== undefined ? { branch: options.branch } : {}),
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
      });
      return mapLimited(list, DETAIL_CONCURRENCY, async (c) => toApiCheckpoint(await e.checkpoint(c.id)));
    },
    async beginTurn() {
      const before = await capture.beginTurn();
      return before && toApiCheckpoint(before);
    },
    async willEdit(uris) {
      try {
        const paths = fsPathsOf(uris).filter((p) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p)) !== undefined);
        // Files outside the folders are not recorded, and do not begin a turn.
        if (paths.length === 0) return;
        capture.announce(paths);
        // The first announcement of a turn begins it (sealing what came before), then captures.
        await capture.beginTurn(paths);
      } catch {
        // Never throws: a failed snapshot must not stop the agent's edit (capture logged it).
      }
    },
    async createCheckpoint(options = {}) {
      const source = options.source ?? 'agent';
      const known = (CHECKPOINT_SOURCES as readonly string[]).includes(source);
      // Passed through as given: the engine checks each field against its limit (core/names.ts)
      // and refuses with a clear message (a list or an object is copied, anything else left for it to refuse).
      const metadata = options.metadata;
      const isObject = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata);
      const meta: core.CheckpointMeta = {
        source: known ? (source as core.CheckpointSource) : 'agent',
        ...(options.label !== undefined ? { label: options.label } : {}),
        ...(options.tools !== undefined ? { tools: Array.isArray(options.tools) ? [...options.tools] : options.tools } : {}),
        ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
        ...(known
          ? metadata !== undefined ? { metadata: isObject ? { ...metadata } : metadata } : {}
          : { metadata: metadata === undefined || isObject ? { ...(metadata ?? {}), source } : metadata }),
      };
      const checkpoint = await capture.endTurn(meta);
      return checkpoint && toApiCheckpoint(checkpoint);
    },
    async rewind(checkpointId, options) {
      return restore({ kind: 'rewind', checkpointId, ...(options?.before ? { before: true } : {}) });
    },
    async rollback(count) {
      return restore({ kind: 'rollback', count });
    },
    async createBranch(name, options) {
      const branch = await (await engine()).createBranch(name, options?.from !== undefined ? { from: options.from } : {});
      return toApiBranch(branch);
    },
    async checkout(branch) {
      return restore({ kind: 'checkout', branch });
    },
    async restoreFiles(checkpointId, uris) {
      return restore({ kind: 'restoreFiles', checkpointId, paths: fsPathsOf(uris) });
    },
    async undoLastRestore() {
      return restore({ kind: 'undo' });
    },

    // ── issue 16: revert, redo, tags ──
    async revertCheckpoint(checkpointId) {
      return restore({ kind: 'revert', checkpointId });
    },
    async redoLastRestore() {
      return restore({ kind: 'redo' });
    },
    async sessionSummary(options) {
      const s = await (await engine()).sessionSummary(options?.sessionId);
      const uris = (list: string[]) => list.map((p) => vscode.Uri.file(p));
      const { created, modified, deleted, createdAndDeleted } = s.files;
      return { ...s, files: { created: uris(created), modified: uris(modified), deleted: uris(deleted), createdAndDeleted: uris(createdAndDeleted) } };
    },
    async setSessionTags(sessionId, tags) {
      if (!Array.isArray(tags)) throw Object.assign(new Error('tags must be a list of strings.'), { code: 'invalid-argument' });
      await (await engine()).setSessionTags(sessionId, [...tags]);
    },
    async exportSession(file, options) {
      const e = await engine();
      const id = options?.sessionId ?? (await e.activeSession())?.id;
      if (!id) throw new Error('There is no session to export.');
      const r = await e.exportSession(id, fsPathsOf([file])[0]);
      return { checkpoints: r.checkpoints, bytes: r.bytes };
    },
    async importSession(file, options = {}) {
      const s = await (await engine()).importSession(fsPathsOf([file])[0], {
        ...(options.title !== undefined ? { title: options.title } : {}),
        ...(options.folders !== undefined ? { folders: options.folders } : {}),
      });
      return { ...toApiSession(s), folders: s.folders.map((f) => ({ from: f.fromName, to: f.toName, how: f.how })) };
    },
  };
}
