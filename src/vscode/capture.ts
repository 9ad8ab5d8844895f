// Capture hooks: feed file-system events to the engine, snapshot before edits, and seal working
// changes into checkpoints after editor saves go quiet and around terminal commands.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LIMITS } from '../core/names';
import type { CheckpointMeta, CheckpointInfo } from '../core/types';
import type { EngineHost } from './engineHost';
import { Debouncer, Disposable, SerialQueue, delay } from './lifecycle';
import { describeError, errorCode, type Log } from './log';
import { editorQuietTime, recordTerminalCommands } from './settings';

/** Watcher events are batched this long before they reach the engine. */
const BATCH_MS = 100;
/** A save participant must not hold up a save longer than this; capture never blocks an edit. */
const WILL_EDIT_BUDGET_MS = 1500;
/** A workspace this small is re-stat'ed after a terminal command in case the watcher missed a write. */
const RESCAN_AFTER_COMMAND_MAX_FILES = 20000;
const GIT_DIR = /[\\/]\.git([\\/]|$)/;

export class Capture extends Disposable {
  private pending = new Set<string>();
  private readonly announced = new Set<string>();
  private lastEventAt = 0;
  private readonly batcher = this.register(new Debouncer(() => BATCH_MS, () => void this.flush()));
  private watchers: vscode.Disposable[] = [];
  /** Paths saved in editors since the last editor checkpoint (for its label). */
  private readonly saved = new Set<string>();
  private readonly editorSeal = this.register(new Debouncer(() => editorQuietTime(), () => void this.sealEditorSaves()));
  /** Sealing is a read-modify sequence (flush, then seal); one at a time keeps checkpoints whole. */
  readonly seals = new SerialQueue();
  private readonly commandStarts = new Map<vscode.TerminalShellExecution, number>();
  private readOnlyLogged = false;

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
  ) {
    super();
    this.watchFolders();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.watchFolders()));
    this.register(host.onDidChangeState((state) => state === 'ready' && void this.flush()));
    this.register({ dispose: () => this.watchers.forEach((w) => w.dispose()) });

    this.register(
      vscode.workspace.onWillSaveTextDocument((e) => {
        if (inWorkspace(e.document.uri)) e.waitUntil(this.willEditWithin([e.document.uri.fsPath]));
      }),
    );
    this.register(
      vscode.workspace.onDidSaveTextDocument((doc) => {
        // Saves outside the folders (user settings, other files) are not this workspace's work.
        if (!inWorkspace(doc.uri)) return;
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

    this.register(vscode.window.onDidStartTerminalShellExecution((e) => void this.commandStarted(e)));
    this.register(vscode.window.onDidEndTerminalShellExecution((e) => void this.commandEnded(e)));
  }

  private watchFolders(): void {
    this.watchers.forEach((w) => w.dispose());
    this.watchers = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'));
      const on = (uri: vscode.Uri) => this.queue(uri.fsPath);
      watcher.onDidCreate(on);
      watcher.onDidChange(on);
      watcher.onDidDelete(on);
      this.watchers.push(watcher);
    }
  }

  private queue(...paths: string[]): void {
    // Git's own folder is never tracked and churns on every git command: not worth a round trip.
    paths = paths.filter((p) => !GIT_DIR.test(p));
    if (paths.length === 0) return;
    for (const p of paths) this.pending.add(p);
    this.lastEventAt = Date.now();
    this.batcher.schedule();
  }

  /** Files an agent said it will write; re-read at the next seal, however the watcher fares. */
  announce(paths: string[]): void {
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
   * Waits until the watcher has been quiet for `quietMs` (at most `maxMs`), then flushes. Writes
   * made just before a seal reach the watcher a little later; this lets them count.
   */
  async settle(quietMs = 150, maxMs = 1000): Promise<void> {
    const started = Date.now();
    await delay(Math.min(quietMs, maxMs));
    while (Date.now() - this.lastEventAt < quietMs && Date.now() - started < maxMs) {
      await delay(Math.max(10, quietMs - (Date.now() - this.lastEventAt)));
    }
    await this.flush();
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

  /** Flushes pending events and seals working changes; undefined when nothing changed. */
  seal(meta: CheckpointMeta, options: { settle?: boolean } = {}): Promise<CheckpointInfo | undefined> {
    return this.seals.run(async () => {
      if (options.settle) await this.settle();
      return this.sealNow(meta);
    });
  }

  private async sealNow(meta: CheckpointMeta): Promise<CheckpointInfo | undefined> {
    await this.flush({ announced: true });
    const engine = await this.host.get();
    // Whatever editor saves were pending are in this checkpoint now.
    this.editorSeal.cancel();
    this.saved.clear();
    const checkpoint = await engine.createCheckpoint(meta);
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
    if (!this.host.current) return;
    const meta = this.editorSealMeta();
    try {
      await this.seal(meta, { settle: true });
    } catch (e) {
      this.log.error('Sealing editor saves failed', e);
    }
  }

  private async commandStarted(e: vscode.TerminalShellExecutionStartEvent): Promise<void> {
    if (!recordTerminalCommands() || !this.host.current) return;
    this.commandStarts.set(e.execution, Date.now());
    const command = e.execution.commandLine.value;
    // Seal what came before so the command's checkpoint holds only its own changes.
    const meta: CheckpointMeta = this.editorSeal.pending
      ? this.editorSealMeta()
      : { source: 'external', label: `Changes before \`${truncate(command, 60)}\`` };
    try {
      // No settling here: waiting would let the command's first writes into this checkpoint.
      await this.seal(meta);
    } catch (err) {
      this.log.error('Sealing changes before a terminal command failed', err);
    }
  }

  private async commandEnded(e: vscode.TerminalShellExecutionEndEvent): Promise<void> {
    const startedAt = this.commandStarts.get(e.execution);
    this.commandStarts.delete(e.execution);
    if (!recordTerminalCommands() || startedAt === undefined) return;
    const engine = this.host.current;
    if (!engine) return;
    const command = e.execution.commandLine.value.trim();
    const cwd = terminalCwd(e);
    // Within the engine's limits (names.ts): a very long command line is kept shortened, not refused.
    const meta: CheckpointMeta = {
      source: 'terminal',
      label: truncate(command || 'Terminal command', 120),
      command: command.length > LIMITS.command ? `${command.slice(0, LIMITS.command - 1)}…` : command,
      ...(cwd && cwd.length <= LIMITS.cwd ? { cwd } : {}),
      ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
      durationMs: Date.now() - startedAt,
    };
    try {
      const checkpoint = await this.seals.run(async () => {
        await this.settle(250, 2000);
        const tracked = this.host.report?.tracked ?? Infinity;
        if (tracked <= RESCAN_AFTER_COMMAND_MAX_FILES) await engine.rescan();
        return this.sealNow(meta);
      });
      if (!checkpoint) this.log.info(`Terminal command changed nothing: ${command}`);
    } catch (err) {
      this.log.error(`Recording terminal command \`${command}\` failed`, err);
    }
  }
}

function inWorkspace(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && vscode.workspace.getWorkspaceFolder(uri) !== undefined;
}

function fsPaths(uris: readonly vscode.Uri[]): string[] {
  return uris.filter(inWorkspace).map((u) => u.fsPath);
}

/** Where the command ran: as the shell reported it, else the terminal's current or starting folder. */
function terminalCwd(e: vscode.TerminalShellExecutionEndEvent): string | undefined {
  const cwd = e.execution.cwd ?? e.shellIntegration.cwd ?? e.terminal.shellIntegration?.cwd;
  if (cwd?.scheme === 'file') return cwd.fsPath;
  const start = (e.terminal.creationOptions as vscode.TerminalOptions).cwd;
  if (typeof start === 'string') return start;
  return start?.scheme === 'file' ? start.fsPath : undefined;
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
