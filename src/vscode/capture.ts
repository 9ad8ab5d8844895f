// Capture hooks: feed file-system events to the engine, snapshot before edits, and seal working
// changes into checkpoints after editor saves go quiet, around terminal commands (their events:
// terminal/terminalCapture.ts) and at the beginning and end of an agent's turn.
//
// Exactness without waiting. A seal nobody declared the paths of (a checkpoint without `willEdit`,
// a terminal command, a manual checkpoint, before a restore) asks the engine to catch up with the
// disk (`rescan`) instead of waiting for this watcher to go quiet: VS Code's watcher is late under
// load and blind below folders created in a burst, so no wait is ever enough. In the worker, the
// engine's own watcher (src/core/scan/watch.ts, Linux: one inotify watch per tracked folder, new
// folders watched before they are listed) has marked every path written; the worker lets its
// loop turn past a poll phase first, which delivers every event of a write that completed before
// the call (inotify queues it inside the write), then re-stats only those paths — O(change), not
// O(workspace). Whenever that cannot be trusted (a possible queue overflow, a watch error, the
// watch limit, the first seal, another platform) it walks every folder instead — stats only,
// re-reading just what changed (about 95 ms for 30,000 files). A seal whose paths were declared
// (`willEdit`) re-reads those and takes the events that arrived, and waits for nothing.
// Not chosen: re-listing only the folders this watcher reported new (it may report no event at
// all for a burst); a marker file as a fence (writes into the user's folders).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LIMITS } from '../core/names';
import type { EngineApi } from '../core/engineApi';
import type { CheckpointMeta, CheckpointInfo } from '../core/types';
import type { EngineHost } from './engineHost';
import { Debouncer, Disposable, SerialQueue } from './lifecycle';
import { describeError, errorCode, type Log } from './log';
import { editorQuietTime } from './settings';

/** Watcher events are batched this long before they reach the engine. */
const BATCH_MS = 100;
/** A save participant must not hold up a save longer than this; capture never blocks an edit. */
const WILL_EDIT_BUDGET_MS = 1500;
/**
 * An agent's turn that no API call touched for this long ends by itself: what it changed is sealed
 * as the agent's checkpoint (an agent that stopped half-way must not leave its changes to be folded
 * into the next editor or terminal checkpoint).
 */
export const TURN_IDLE_MS = 10 * 60_000;
const GIT_DIR = /[\\/]\.git([\\/]|$)/;

export class Capture extends Disposable {
  private pending = new Set<string>();
  private readonly announced = new Set<string>();
  /** The agent's turn, while one is open: `declared` once it announced the files it writes. */
  private turn: { declared: boolean; idle: ReturnType<typeof setTimeout> } | undefined;
  private readonly batcher = this.register(new Debouncer(() => BATCH_MS, () => void this.flush()));
  private watchers: vscode.Disposable[] = [];
  /** Paths saved in editors since the last editor checkpoint (for its label). */
  private readonly saved = new Set<string>();
  private readonly editorSeal = this.register(new Debouncer(() => editorQuietTime(), () => void this.sealEditorSaves()));
  /** Sealing is a read-modify sequence (flush, then seal); one at a time keeps checkpoints whole. */
  readonly seals = new SerialQueue();
  private readOnlyLogged = false;
  /** Watcher reports (not editor saves): externalSeal.ts seals other programs' changes after quiet time. */
  private readonly reported = this.register(new vscode.EventEmitter<void>());
  readonly onDidReportChange = this.reported.event;

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
    /** While paused (recording.ts) nothing is taken by itself; explicit checkpoints and restores still work. */
    private readonly recording: { readonly paused: boolean } = { paused: false },
  ) {
    super();
    this.watchFolders();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.watchFolders()));
    this.register(host.onDidChangeState((state) => state === 'ready' && void this.flush()));
    this.register({ dispose: () => this.watchers.forEach((w) => w.dispose()) });
    this.register({ dispose: () => this.closeTurn() });

    this.register(
      vscode.workspace.onWillSaveTextDocument((e) => {
        if (inWorkspace(e.document.uri) && !this.recording.paused) e.waitUntil(this.willEditWithin([e.document.uri.fsPath]));
      }),
    );
    this.register(
      vscode.workspace.onDidSaveTextDocument((doc) => {
        // Saves outside the folders (user settings, other files) are not this workspace's work.
        if (!inWorkspace(doc.uri) || this.recording.paused) return;
        this.queue(doc.uri.fsPath);
        this.saved.add(doc.uri.fsPath);
        this.editorSeal.schedule();
      }),
    );
    this.register(
      vscode.workspace.onWillDeleteFiles((e) => e.waitUntil(this.willEditWithin(fsPaths(e.files)))),
    );
    this.register(
      vscode.workspace.onWillRenameFiles((e) =>
        e.waitUntil(this.willEditWithin(fsPaths(e.files.flatMap((f) => [f.oldUri, f.newUri])))),
      ),
    );
    // Explorer deletes and renames also reach the watcher; these make them count at once.
    this.register(vscode.workspace.onDidDeleteFiles((e) => this.queue(...fsPaths(e.files))));
    this.register(vscode.workspace.onDidRenameFiles((e) => this.queue(...fsPaths(e.files.flatMap((f) => [f.oldUri, f.newUri])))));
    this.register(vscode.workspace.onDidCreateFiles((e) => this.queue(...fsPaths(e.files))));
  }

  private watchFolders(): void {
    this.watchers.forEach((w) => w.dispose());
    this.watchers = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'));
      const on = (uri: vscode.Uri) => {
        this.queue(uri.fsPath);
        if (!this.recording.paused && !GIT_DIR.test(uri.fsPath)) this.reported.fire();
      };
      watcher.onDidCreate(on);
      watcher.onDidChange(on);
      watcher.onDidDelete(on);
      this.watchers.push(watcher);
    }
  }

  private queue(...paths: string[]): void {
    // Git's own folder is never tracked and churns on every git command: not worth a round trip.
    paths = paths.filter((p) => !GIT_DIR.test(p));
    if (paths.length === 0 || this.recording.paused) return;
    for (const p of paths) this.pending.add(p);
    this.batcher.schedule();
  }

  /** Files an agent said it will write; re-read at the next seal, however the watcher fares. */
  announce(paths: string[]): void {
    if (this.recording.paused) return;
    for (const p of paths) this.announced.add(p);
  }

  /** Hands queued paths to the engine now (with `announced`: the files agents announced too). */
  async flush(options: { announced?: boolean } = {}): Promise<void> {
    this.batcher.cancel();
    if (options.announced) {
      for (const p of this.announced) this.pending.add(p);
      this.announced.clear();
    }
    const engine = this.host.current;
    // While the store opens, events wait (the first scan may already have passed those files).
    if (this.pending.size === 0 || !engine) return;
    const paths = [...this.pending];
    this.pending = new Set();
    try {
      await engine.notifyChanged(paths);
    } catch (e) {
      // A read-only store (another window has it) refuses every change: say so once, not per event.
      if (errorCode(e) === 'read-only-store') {
        if (!this.readOnlyLogged) this.log.warn(`Changes are not recorded: ${describeError(e)}`);
        this.readOnlyLogged = true;
      } else {
        this.log.error(`Recording ${paths.length} changed paths failed`, e);
      }
    }
  }

  /**
   * Brings the engine's picture up to what is on disk, for a seal that follows (a restore's
   * safety checkpoint): flushes the events and walks the folders. No fixed wait: see the top.
   */
  async settle(): Promise<void> {
    await this.flush({ announced: true });
    const engine = this.host.current;
    if (engine) await engine.rescan();
  }

  /** Before-edit capture for an agent or a save participant. Never throws. */
  async willEdit(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    try {
      const engine = this.host.current ?? (await this.host.get());
      await engine.willEdit(paths);
    } catch (e) {
      this.log.warn(`Snapshot before editing ${paths.length === 1 ? paths[0] : `${paths.length} files`} failed: ${describeError(e)}`);
    }
  }

  private willEditWithin(paths: string[]): Promise<void> {
    if (!this.host.current || paths.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn(`Snapshot before edit took over ${WILL_EDIT_BUDGET_MS} ms; the edit went ahead.`);
        resolve();
      }, WILL_EDIT_BUDGET_MS);
      void this.willEdit(paths).finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Flushes pending events and seals working changes; undefined when nothing changed. `settle`:
   * the caller declared no paths, so the folders are walked first (every completed write counts).
   * Ends an open agent turn: what it changed is in this checkpoint.
   */
  seal(meta: CheckpointMeta, options: { settle?: boolean } = {}): Promise<CheckpointInfo | undefined> {
    return this.seals.run(() => this.sealNow(meta, { rescan: !!options.settle, endsTurn: true }));
  }

  /**
   * Begins an agent's turn, unless one is open (then it only counts as activity). What is pending
   * — editor saves still waiting for quiet time, what the watcher reported, other tools' writes
   * (found by a walk) and the current content of `paths` — is sealed first into a checkpoint of
   * its own, as the editor's or as `external`; then `paths` are captured before the agent writes
   * them. Returns that earlier checkpoint, if anything was pending. Never throws (capture never
   * blocks an edit): a failure is logged and the turn is open all the same.
   */
  beginTurn(paths: string[] = []): Promise<CheckpointInfo | undefined> {
    return this.seals.run(async () => {
      if (this.recording.paused) return undefined;
      if (this.turn) {
        this.touchTurn(paths);
        if (paths.length) await this.willEdit(paths);
        return undefined;
      }
      this.openTurn(paths);
      try {
        await this.flush({ announced: true });
        const engine = await this.host.get();
        const before: CheckpointMeta = this.saved.size > 0 ? this.editorSealMeta() : { source: 'external', label: 'Changes before an agent turn' };
        this.editorSeal.cancel();
        this.saved.clear();
        const checkpoint = await engine.beginTurn({ before, rescan: true, paths });
        if (checkpoint) this.log.info(`Checkpoint "${checkpoint.label}" (${checkpoint.source}, ${checkpoint.files.length} files) before an agent turn.`);
        return checkpoint;
      } catch (e) {
        // A read-only store refuses every change (said once, by `flush`); anything else is worth a line.
        if (errorCode(e) !== 'read-only-store') this.log.warn(`Sealing the changes before an agent turn failed: ${describeError(e)}`);
        // The files are still captured before the agent writes them, where that can be done.
        if (paths.length) await this.willEdit(paths);
        return undefined;
      }
    });
  }

  private openTurn(paths: string[]): void {
    this.turn = { declared: false, idle: setTimeout(() => void this.endIdleTurn(), TURN_IDLE_MS) };
    this.touchTurn(paths);
  }

  private touchTurn(paths: string[]): void {
    if (!this.turn) return;
    if (paths.length) this.turn.declared = true;
    this.turn.idle.refresh();
  }

  private closeTurn(): void {
    if (this.turn) clearTimeout(this.turn.idle);
    this.turn = undefined;
  }

  private async endIdleTurn(): Promise<void> {
    try {
      await this.seals.run(async () => {
        if (!this.turn) return undefined; // ended meanwhile
        return this.sealNow({ source: 'agent', label: 'Agent turn (not ended by the agent)' }, { rescan: !this.turn.declared, endsTurn: true });
      });
    } catch (e) {
      this.log.error('Sealing an agent turn left open failed', e);
    }
  }

  /** `createCheckpoint` of the API: ends the turn; walks first unless the turn declared its paths. */
  endTurn(meta: CheckpointMeta): Promise<CheckpointInfo | undefined> {
    return this.seals.run(async () => this.recording.paused ? undefined : this.sealNow(meta, { rescan: !this.turn?.declared, endsTurn: true }));
  }

  private async sealNow(meta: CheckpointMeta, options: { rescan: boolean; endsTurn: boolean }): Promise<CheckpointInfo | undefined> {
    await this.flush({ announced: true });
    const engine = await this.host.get();
    // Whatever editor saves were pending are in this checkpoint now.
    this.editorSeal.cancel();
    this.saved.clear();
    if (options.endsTurn) this.closeTurn();
    const checkpoint = await engine.createCheckpoint({ ...meta, ...(options.rescan ? { rescan: true } : {}) });
    if (checkpoint) this.log.info(`Checkpoint "${checkpoint.label}" (${checkpoint.source}, ${checkpoint.files.length} files).`);
    return checkpoint;
  }

  private editorSealMeta(): CheckpointMeta {
    const names = [...this.saved].map((p) => path.basename(p));
    const label =
      names.length === 0 ? 'Editor saves' : names.length === 1 ? `Saved ${names[0]}` : `Saved ${names[0]} and ${names.length - 1} more`;
    return { source: 'editor', label: truncate(label, LIMITS.name) };
  }

  private async sealEditorSaves(): Promise<void> {
    if (!this.host.current || this.recording.paused) return;
    // During an agent's turn what changes is the turn's: the saves are sealed with it.
    if (this.turn) return;
    const meta = this.editorSealMeta();
    try {
      // The saved paths are known (queued at each save): nothing to wait or walk for.
      await this.seals.run(() => this.sealNow(meta, { rescan: false, endsTurn: false }));
    } catch (e) {
      this.log.error('Sealing editor saves failed', e);
    }
  }

  /**
   * True while the working changes belong to someone: an agent's open turn, a terminal command
   * that is running, editor saves waiting for their quiet time (externalSeal.ts leaves them).
   */
  get busy(): boolean {
    return this.turn !== undefined || this.terminalBusy() || this.saved.size > 0;
  }

  /**
   * Before recording pauses: what is pending is sealed as whose it is (the agent's open turn, the
   * editor's saves), so it is not folded into "Changes while paused". Undefined when nothing was.
   */
  sealPending(): Promise<CheckpointInfo | undefined> {
    return this.seals.run(async () => {
      if (this.turn) return this.sealNow({ source: 'agent', label: 'Agent turn (recording paused)' }, { rescan: !this.turn.declared, endsTurn: true });
      if (this.saved.size > 0) return this.sealNow(this.editorSealMeta(), { rescan: false, endsTurn: false });
      return undefined;
    });
  }

  /** While recording is paused (recording.ts) nothing is taken by itself. */
  get paused(): boolean {
    return this.recording.paused;
  }

  /** Set by terminal/terminalCapture.ts: true while a terminal command it records is running. */
  terminalBusy: () => boolean = () => false;

  /**
   * Before a terminal command (terminal/terminalCapture.ts): what came before is sealed so the
   * command's checkpoint holds only its own changes (during an agent's turn: the turn's changes so
   * far, as the agent's; the turn goes on). No walk: it would let the command's first writes in.
   */
  sealBeforeCommand(command: string): Promise<CheckpointInfo | undefined> {
    const quoted = `\`${truncate(command, 60)}\``;
    const meta: CheckpointMeta = this.turn
      ? { source: 'agent', label: `Agent turn before ${quoted}` }
      : this.editorSeal.pending
        ? this.editorSealMeta()
        : { source: 'external', label: `Changes before ${quoted}` };
    return this.seals.run(() => this.sealNow(meta, { rescan: false, endsTurn: false }));
  }

  /** After a terminal command: its writes completed before its end was reported, so the walk finds every one. */
  sealAfterCommand(meta: CheckpointMeta): Promise<CheckpointInfo | undefined> {
    return this.seals.run(() => this.sealNow(meta, { rescan: true, endsTurn: false }));
  }

  /**
   * Runs `record` (a bound terminal's command: the engine walks and seals) in turn with the other
   * seals, after the events are flushed; editor saves pending until now are sealed with it.
   */
  recordWith<T>(record: (engine: EngineApi) => Promise<T>): Promise<T> {
    return this.seals.run(async () => {
      await this.flush({ announced: true });
      const engine = await this.host.get();
      this.editorSeal.cancel();
      this.saved.clear();
      return record(engine);
    });
  }
}

function inWorkspace(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && vscode.workspace.getWorkspaceFolder(uri) !== undefined;
}

function fsPaths(uris: readonly vscode.Uri[]): string[] {
  return uris.filter(inWorkspace).map((u) => u.fsPath);
}

export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
