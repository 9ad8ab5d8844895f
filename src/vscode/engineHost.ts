import * as vscode from 'vscode';
import type { EngineApi, EngineEvent, SavePolicy } from '../core/engineApi';
import type { OpenReport, RootFolder, ScanProgress, UnrecognisedFolder } from '../core/types';
import { setContext } from './contextKeys';
import { ContextKeys, Commands, Settings, type ExtensionState } from './ids';
import { FirstPaint } from './firstPaint';
import { PaintCache } from './paintCache';
import { Disposable } from './lifecycle';
import { ReadOnlyWindow, type ReadOnlyState } from './readOnlyWindow';
import { describeError, type Log } from './log';
import { trackingOptions } from './settings';
import { askAboutFolders } from './folderQuestion';
import { setFolderLabels } from './format';
import { sharedStoreDir, StoreRegistry } from './storeFolder';
import { StoreLocations } from './storageLocationHost';

/** What `startEngine` (src/host/client.ts) takes. */
export interface EngineStartOptions {
  storageDir: string;
  roots: RootFolder[];
  exclude: string[];
  maxFileSize: number;
  savePolicy: SavePolicy;
  workerPath: string;
  wasmPath: string;
}
/** The engine as started; `terminate` stops its worker thread after `close`. */
export type StartedEngine = EngineApi & { terminate?(): Promise<void> };
export type StartEngine = (options: EngineStartOptions) => StartedEngine;

export type { ReadOnlyState } from './readOnlyWindow';
export { LOCK_POLL_MS } from './readOnlyWindow';
export { FIRST_PAINT_WAIT_MS } from './firstPaint';

export class NoFolderError extends Error {
  readonly code = 'no-folder';
  constructor() {
    super('Session Tree needs an open folder: open a folder or workspace first.');
  }
}

/**
 * Owns the engine for the current workspace folders: starts it, opens it with progress, relays
 * its events, and restarts it when folders are added or removed (the store keys files by root).
 */
export class EngineHost extends Disposable {
  private engine: StartedEngine | undefined;
  private opening: Promise<EngineApi> | undefined;
  private starting: Promise<void> | undefined;
  private subscription: { dispose(): void } | undefined;
  private generation = 0;
  private _state: ExtensionState = 'loading';
  private _report: OpenReport | undefined;

  private readonly changeEmitter = this.register(new vscode.EventEmitter<void>());
  /** Anything in sessions, branches, checkpoints or working changes changed (not debounced). */
  readonly onDidChange = this.changeEmitter.event;
  private readonly checkpointEmitter = this.register(new vscode.EventEmitter<string>());
  readonly onDidCreateCheckpoint = this.checkpointEmitter.event;
  private readonly stateEmitter = this.register(new vscode.EventEmitter<ExtensionState>());
  readonly onDidChangeState = this.stateEmitter.event;
  private progressListener: ((p: ScanProgress) => void) | undefined;
  private readonly readOnlyWindow: ReadOnlyWindow;
  /** The store became read-only (or writable again), with why. */
  readonly onDidChangeReadOnly: vscode.Event<ReadOnlyState | undefined>;
  /** The start-up scan waits for the tree's first paint (firstPaint.ts). */
  readonly paint = new FirstPaint();
  /** The tree's rows from the last run, until the store is open (paintCache.ts). */
  readonly paintCache: PaintCache;

  /** Settles once the first engine is open (or there is nothing to open). */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (e: unknown) => void;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly startEngine: StartEngine,
    private readonly log: Log,
  ) {
    super();
    this.readOnlyWindow = this.register(
      new ReadOnlyWindow(log, () => this.storeDir, (reason) => void this.restart(reason), () => this.opening !== undefined),
    );
    this.onDidChangeReadOnly = this.readOnlyWindow.onDidChange;
    this.paintCache = this.register(new PaintCache(context.storageUri?.fsPath, () => this.get(), (m) => log.warn(m)));
    // Loaded before the tree asks for its first rows: until the store is open they come from it.
    const early = this.paintCache.load();
    if (early) {
      setFolderLabels(early.folders);
      log.info('The Sessions tree paints from what it last showed until the store is open.');
    }
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // A rejected `ready` nobody awaits must not surface as an unhandled rejection.
    this.ready.catch(() => undefined);
    setContext(ContextKeys.state, this._state);
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.restart('workspace folders changed')));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${Settings.section}.${Settings.storageLocation}`)) void this.restart('the store location changed');
    }));
  }

  get state(): ExtensionState {
    return this._state;
  }

  get report(): OpenReport | undefined {
    return this._report;
  }

  /** This workspace's store folder (shared by every window, and following the folders: see storeFolder.ts). */
  private storeDir: string | undefined;
  get storeFolder(): string | undefined {
    return this.storeDir;
  }
  /** Folders the user confirmed are stored ones (path → key), for the next open. */
  private readonly confirmed = new Map<string, string>();
  private get registry(): StoreRegistry {
    return new StoreRegistry(vscode.Uri.joinPath(this.context.globalStorageUri, 'stores.json').fsPath);
  }
  /** Where the store lives (`sessionTree.storage.location`), and moving it there. */
  private get locations(): StoreLocations {
    return (this.locationsCache ??= new StoreLocations(() => this.registry, this.log));
  }
  private locationsCache: StoreLocations | undefined;

  /** Set while the open store is read-only: why, and whether another window holds it. */
  get readOnly(): ReadOnlyState | undefined {
    return this.readOnlyWindow.state;
  }

  /** The open engine, if there is one now (no waiting). */
  get current(): EngineApi | undefined {
    return this._state === 'ready' || this._state === 'noSession' ? this.engine : undefined;
  }

  /**
   * The open engine; waits for an open in progress — the store open, not the start-up scan after it:
   * the worker answers reads while that runs and starts writers after it. Rejects when no folder is
   * open or open failed.
   */
  async get(): Promise<EngineApi> {
    if (!this.current) {
      await new Promise<void>((resolve) => {
        const sub = this.onDidChangeState((state) => state !== 'loading' && done());
        const done = () => {
          sub.dispose();
          resolve();
        };
        void (this.starting ?? Promise.resolve()).finally(done);
      });
    }
    const engine = this.current;
    if (engine) return engine;
    if (this._state === 'noFolder') throw new NoFolderError();
    throw new Error('The Session Tree store is not open (see "Session Tree: Show Log").');
  }

  start(): void {
    void this.restart();
  }

  private setState(state: ExtensionState): void {
    if (state !== 'loading') this.paintCache.dropEarly();
    if (this._state === state) return;
    this._state = state;
    setContext(ContextKeys.state, state);
    this.stateEmitter.fire(state);
  }

  /** Re-reads whether a session exists; the welcome view depends on it. */
  async refreshState(): Promise<void> {
    const engine = this.current;
    if (!engine) return;
    try {
      const active = await engine.activeSession();
      if (engine === this.engine) this.setState(active ? 'ready' : 'noSession');
    } catch (e) {
      this.log.error('Reading the active session failed', e);
    }
  }

  private restart(reason?: string): Promise<void> {
    const starting = this.doRestart(reason).catch((e) => this.log.error('Starting the engine failed', e));
    this.starting = starting;
    return starting;
  }

  private async doRestart(reason?: string): Promise<void> {
    const generation = ++this.generation;
    await this.stop();
    if (generation !== this.generation || this.isDisposed) return;

    const folders = vscode.workspace.workspaceFolders?.filter((f) => f.uri.scheme === 'file') ?? [];
    const storage = this.context.storageUri;
    if (folders.length === 0 || !storage) {
      this.setState('noFolder');
      this.log.info('No folder open: nothing to record.');
      this.resolveReady();
      this.changeEmitter.fire();
      return;
    }
    if (reason) this.log.info(`Restarting the engine: ${reason}.`);
    this.setState('loading');
    const options = trackingOptions();
    let engine: StartedEngine;
    try {
      const roots = rootFolders(folders, this.confirmed);
      const start = (storageDir: string) => this.startEngine({
        storageDir,
        roots,
        exclude: options.exclude,
        maxFileSize: options.maxFileSize,
        savePolicy: options.savePolicy,
        workerPath: this.context.asAbsolutePath('dist/worker.js'),
          wasmPath: this.context.asAbsolutePath('dist/sql-wasm.wasm'),
      });
      this.storeDir = await this.locations.place(sharedStoreDir(storage.fsPath), roots.map((r) => r.path), start);
      if (generation !== this.generation || this.isDisposed) return;
      engine = start(this.storeDir);
    } catch (e) {
      this.setState('error');
      this.log.error('Starting the engine failed', e);
      this.rejectReady(e);
      return;
    }
    this.engine = engine;
    this.subscription = engine.onEvent((e) => this.onEngineEvent(engine, e));
    this.opening = this.open(engine);
    try {
      await this.opening;
      if (generation !== this.generation) return;
      this.resolveReady();
    } catch (e) {
      if (generation !== this.generation) return;
      this.rejectReady(e);
    } finally {
      if (generation === this.generation) this.opening = undefined;
    }
  }

  private async open(engine: EngineApi): Promise<EngineApi> {
    this.log.info(`Opening the store in ${this.storeDir ?? '?'}`);
    const started = Date.now();
    try {
      // The tree paints from what was saved; the scan for changes made while closed follows
      // (commands wait for it: `get` awaits the whole start).
      const opened = await engine.open({ deferScan: true });
      if (engine !== this.engine) return engine;
      this.confirmed.clear();
      setFolderLabels(opened.folders);
      this.paintCache.noteFolders(opened.folders);
      if (opened.folderMigration) this.log.info(`Folder identities: ${opened.folderMigration.mapping.join('; ')}.`);
      if (!opened.readOnlyReason) this.rememberStore(opened);
      if (opened.unrecognisedFolders && !opened.readOnlyReason) void this.askAboutFolders(opened.unrecognisedFolders);
      this.readOnlyWindow.set(opened.readOnlyReason ? { reason: opened.readOnlyReason, lockedOut: opened.lockedOut === true } : undefined);
      // The tree's first reads go to the worker before the scan (which holds the worker while it runs).
      const painted = this.paint.wait();
      this.setState('ready');
      await this.refreshState();
      this.changeEmitter.fire();
      await painted;
      if (engine !== this.engine) return engine;
      this.log.info(`Store open in ${Date.now() - started} ms (tree painted); scanning the workspace.`);
      const scanned = await this.withScanProgress(() => engine.startupScan());
      if (engine !== this.engine) return engine;
      const report: OpenReport = { ...scanned, diagnostics: [...opened.diagnostics, ...scanned.diagnostics], usedBackup: opened.usedBackup };
      this._report = report;
      this.log.info(`Store open: ${report.scanned} files scanned, ${report.tracked} tracked, in ${Date.now() - started} ms.`);
      this.reportOpen(report);
      await this.refreshState();
      this.changeEmitter.fire();
      return engine;
    } catch (e) {
      this.setState('error');
      this.log.error('Opening the Session Tree store failed', e);
      void vscode.window
        .showErrorMessage(`Session Tree could not open its store: ${describeError(e)}`, 'Show Log')
        .then((choice) => choice && vscode.commands.executeCommand(Commands.showLog));
      throw e;
    }
  }

  private rememberStore(opened: OpenReport): void {
    try {
      if (this.storeDir) this.registry.remember(this.storeDir, (opened.folders ?? []).map((f) => f.path));
    } catch (e) {
      this.log.warn(`Could not remember which store records these folders: ${describeError(e)}`);
    }
  }

  /** Asks about folders the store could not recognise (see folderQuestion.ts); reopens with the answers. */
  private async askAboutFolders(folders: UnrecognisedFolder[]): Promise<void> {
    const answers = await askAboutFolders(folders);
    if (!answers.size) return;
    for (const [p, key] of answers) this.confirmed.set(p, key);
    await this.restart('a folder was recognised as one the store knows');
    const kept = folders.filter((f) => answers.has(f.path)).map((f) => `${f.label} keeps the history of ${f.candidates.find((c) => c.key === answers.get(f.path))?.label ?? f.key}`);
    void vscode.window.showInformationMessage(`Session Tree: ${kept.join('; ')}.`);
  }

  private reportOpen(report: OpenReport): void {
    for (const d of report.diagnostics) this.log.warn(`Store diagnostic: ${d}`);
    if (report.recoveredRestore) this.log.warn(`Interrupted restore: ${report.recoveredRestore}`);
    if (report.usedBackup) this.log.warn('The database could not be read; the last good copy was used.');
    if (report.externalCheckpointId) {
      this.log.info(`Changes made while VS Code was closed were recorded as checkpoint ${report.externalCheckpointId}.`);
    }
    const problems = [
      ...(report.usedBackup ? ['the database could not be read and its last good copy was used'] : []),
      ...(report.recoveredRestore ? [report.recoveredRestore] : []),
      ...report.diagnostics,
    ];
    if (problems.length > 0) {
      const text = problems.length === 1 ? problems[0] : `${problems.length} problems (see the log)`;
      void vscode.window
        .showWarningMessage(`Session Tree opened its store with problems: ${text}`, 'Show Log')
        .then((choice) => choice && vscode.commands.executeCommand(Commands.showLog));
    }
  }

  /** Window progress at once; a notification too if the scan is still running after a second. */
  private async withScanProgress<T>(task: () => Promise<T>): Promise<T> {
    let latest: ScanProgress | undefined;
    const listeners = new Set<(p: ScanProgress) => void>();
    this.progressListener = (p) => {
      latest = p;
      for (const l of listeners) l(p);
    };
    const done = task();
    const track = (progress: vscode.Progress<{ message?: string }>) =>
      new Promise<void>((resolve) => {
        const l = (p: ScanProgress) => progress.report({ message: describeProgress(p) });
        listeners.add(l);
        if (latest) l(latest);
        void done.then(() => resolve(), () => resolve()).finally(() => listeners.delete(l));
      });
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Session Tree' }, track);
    const timer = setTimeout(() => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Session Tree: scanning the workspace' },
        track,
      );
    }, 1000);
    try {
      return await done;
    } finally {
      clearTimeout(timer);
      this.progressListener = undefined;
    }
  }

  private onEngineEvent(engine: EngineApi, event: EngineEvent): void {
    if (engine !== this.engine) return;
    switch (event.type) {
      case 'changed':
        this.paintCache.noteChanged();
        this.changeEmitter.fire();
        void this.refreshState();
        break;
      case 'checkpoint':
        this.checkpointEmitter.fire(event.id);
        break;
      case 'saved':
        this.paintCache.restamp(this.storeDir); // the tree's record stays valid across a save that changed nothing it shows
        break;
      case 'progress':
        this.progressListener?.(event.progress);
        break;
      case 'store':
        if (event.readOnly) this.readOnlyWindow.set({ reason: event.reason, lockedOut: event.lockedOut });
        if (event.notice) {
          void vscode.window
            .showWarningMessage(`Session Tree: ${event.notice}`, 'Show Log')
            .then((choice) => choice && vscode.commands.executeCommand(Commands.showLog));
        }
        break;
      case 'log':
        if (event.level === 'error') this.log.error(`engine: ${event.message}`);
        else if (event.level === 'warn') this.log.warn(`engine: ${event.message}`);
        else this.log.info(`engine: ${event.message}`);
        break;
    }
  }

  async updateOptions(): Promise<void> {
    const engine = this.current;
    if (!engine) return;
    const options = trackingOptions();
    this.log.info(`Tracking settings changed: ${JSON.stringify(options)}`);
    await engine.setOptions(options);
  }

  private async stop(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    this.opening = undefined;
    this.subscription?.dispose();
    this.subscription = undefined;
    if (!engine) return;
    try {
      await engine.close();
    } catch (e) {
      this.log.error('Closing the engine failed', e);
    }
    try {
      await engine.terminate?.();
    } catch (e) {
      this.log.error('Stopping the engine worker failed', e);
    }
  }

  /** Closes the engine (flushing the database); awaited by `deactivate`. */
  async close(): Promise<void> {
    this.generation++;
    await this.stop();
    this.paintCache.write(this.storeDir); // stamped with the files as the close left them
  }

  override dispose(): void {
    this.readOnlyWindow.stopPoll();
    this.paint.release();
    void this.close();
    super.dispose();
  }
}

function describeProgress(p: ScanProgress): string {
  const what = p.phase === 'scan' ? 'Scanning files' : 'Storing snapshots';
  return p.total ? `${what}: ${p.done} of ${p.total}` : `${what}: ${p.done}`;
}

/**
 * One root per workspace folder: its display name and path (the engine resolves which stored folder
 * it is at open: src/core/store/folders.ts), and the stored folder the user said it is, if any.
 */
export function rootFolders(folders: readonly vscode.WorkspaceFolder[], confirmed: ReadonlyMap<string, string> = new Map()): RootFolder[] {
  return folders.map((f) => {
    const sameAs = confirmed.get(f.uri.fsPath);
    return { name: f.name, label: f.name, path: f.uri.fsPath, ...(sameAs ? { sameAs } : {}) };
  });
}
