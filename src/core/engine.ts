// The engine: sessions, branches and checkpoints over a workspace mirror, and exact restores.
// This class is the facade: each public method runs one operation (a function of the engine
// context) under the policy `operations.ts` gives it. Where things live (see README.md here):
//
//   store/metadata.ts  sql.js access; interned paths and contents; `meta`    (tables meta, paths, blobs)
//   store/history.ts   sessions, branches, checkpoints, the active session   (sessions, branches, checkpoints)
//   store/mirror.ts    the mirror and working changes: mirror = head + working changes  (mirror, pending)
//   restore/records.ts what each restore did                                   (restores)
//   context.ts         the shared context; transaction → save → event
//   lifecycle.ts, lock.ts                  open / start-up / close; the store lock
//   scan/, capture.ts                      keeping the mirror current
//   seal.ts, sessions.ts, branches.ts, checkpoints.ts, states.ts
//   restore/            plan, apply, the workspace write, journal, the orchestrator
//   maintenance/        inspect, verify, repair, gc
//   exchange/           export file format, export, import
import * as branches from './branches';
import * as capture from './capture';
import * as cps from './checkpoints';
import { type EngineOptions, EngineContext } from './context';
import type { CheckpointQuery, EngineEvent, TrackingOptions } from './engineApi';
import { type ImportOptions, type ImportPreview, type ImportedSession, exportSession, importSession, importSessionYielding, previewImport } from './exchange';
import { exportSessionYielding } from './exchange/export';
import * as lifecycle from './lifecycle';
import * as queries from './queries';
import { StoreLock } from './lock';
import { maintain, freeGarbage } from './maintenance/budget';
import { compactHistory, compactPlan } from './maintenance/compact';
import { gc, gcYielding } from './maintenance/gc';
import { filesLeftOutForSize } from './maintenance/leftOut';
import { storageReport } from './maintenance/usage';
import { repair } from './maintenance/repair';
import { verify } from './maintenance/verify';
import { validateMeta } from './names';
import { OPERATIONS, type Operation, run } from './operations';
import { plan } from './restore/plan';
import { lastRestore, restore, restoreHistoryOf } from './restore/restore';
import { fullScan } from './scan/refresh';
import { nextTurn } from './scan/slice';
import { startWatching, stopWatching, watcherOf } from './scan/watch';
import { beginTurn, createCheckpoint, type SealScope } from './seal';
import { type SessionSummary, sessionSummary as summarise } from './sessionSummary';
import * as sessions from './sessions';
import * as terminal from './terminalSessions';
import type { CommandRecord } from './types';
import type { CompactPlan, LeftOutFiles, MaintenanceReport, StorageBudget, StorageReport } from './storageTypes';
import {
  type BranchInfo, CHECKPOINT_SOURCES, type CheckpointInfo, type CheckpointMeta, type CheckpointSummary, EngineError,
  type FileChange, type FileVersion, type OpenReport, type RepairReport, type RestoreOptions, type RestorePlan,
  type RestoreHistory, type RestoreResult, type RestoreTarget, type SessionInfo, type StoreCheck,
} from './types';

export type { EngineOptions } from './context';

function checkMeta(meta: CheckpointMeta): void {
  const source = meta.source ?? 'manual';
  if (!(CHECKPOINT_SOURCES as string[]).includes(source) || source === 'start') {
    throw new EngineError('invalid-argument', `Unknown checkpoint source "${String(source)}".`);
  }
  validateMeta(meta);
}
export { describeIoError, ioError } from './ioErrors';

export class Engine {
  private readonly ctx: EngineContext;
  private readonly lock: StoreLock;

  constructor(options: EngineOptions) {
    this.ctx = new EngineContext(options);
    this.lock = new StoreLock(this.ctx);
    if (options.watch) startWatching(this.ctx, options.watch === true ? {} : options.watch);
  }

  private run<T>(name: Operation, body: () => T): T {
    try {
      return run(this.ctx, name, body);
    } catch (e) {
      // A failed change rolled the mirror back to what was saved: what the watcher had marked may be lost.
      if (OPERATIONS[name].change !== 'none') watcherOf(this.ctx)?.distrust(`${name} failed`);
      throw e;
    }
  }

  get readOnly(): boolean {
    return this.ctx.readOnly;
  }

  get readOnlyReason(): string {
    return this.ctx.readOnlyReason;
  }

  // ── lifecycle ──

  /**
   * Opens the store. `deferScan`: return once the metadata a first paint needs is read (sessions,
   * branches, checkpoints, working changes as last saved); the rest — snapshot indexes, mirror,
   * interrupted-restore recovery, the scan for changes made while closed — runs in `startupScan`,
   * or before the first call that changes anything.
   */
  async open(options: { deferScan?: boolean } = {}): Promise<OpenReport> {
    return this.run('open', () => lifecycle.open(this.ctx, this.lock, options));
  }

  /** The rest of a deferred open (see `open`); reports what it found. Nothing to do otherwise. */
  async startupScan(): Promise<OpenReport> {
    return this.run('startupScan', () => lifecycle.startupScan(this.ctx, this.lock));
  }

  /** `startupScan` in slices, letting the event loop turn every few milliseconds (the worker serves reads meanwhile). */
  startupScanSliced(): Promise<OpenReport> {
    return this.run('startupScan', () => lifecycle.startupScanSliced(this.ctx, this.lock, nextTurn));
  }

  async close(): Promise<void> {
    stopWatching(this.ctx);
    this.run('close', () => lifecycle.close(this.ctx, this.lock));
  }

  onEvent(listener: (e: EngineEvent) => void): { dispose(): void } {
    return this.ctx.onEvent(listener);
  }

  async setOptions(o: TrackingOptions): Promise<void> {
    const ctx = this.ctx;
    this.run('setOptions', () => {
      if (o.savePolicy) ctx.savePolicy = o.savePolicy;
      if (o.exclude !== undefined) ctx.options.exclude = o.exclude;
      if (o.maxFileSize !== undefined) ctx.options.maxFileSize = o.maxFileSize;
      if (o.exclude !== undefined || o.maxFileSize !== undefined) {
        ctx.makeTracking();
        if (!ctx.readOnly) ctx.mutate(() => fullScan(ctx));
      }
    });
  }

  /** Makes snapshots durable, then writes the database atomically. */
  saveNow(): void {
    this.run('saveNow', () => this.ctx.saveNow());
  }

  get lastSave(): { ms: number; bytes: number; kind: 'append' | 'fold' | 'none' } {
    return { ms: this.ctx.storeDb.lastSaveMs, bytes: this.ctx.storeDb.lastSaveBytes, kind: this.ctx.storeDb.lastSaveKind };
  }

  // ── capture ──

  /** Watcher report: these absolute paths were created, changed or deleted. Cost O(paths). */
  notifyChanged(paths: string[]): void {
    this.run('notifyChanged', () => capture.notifyChanged(this.ctx, paths));
  }

  /** Brings the mirror up to what is on disk (`walk`: by a full stat walk, whatever the engine's watcher says). */
  rescan(options: { walk?: boolean } = {}): void {
    this.run('rescan', () => capture.rescan(this.ctx, options));
  }

  /** Before-edit capture: makes sure the current bytes of these files are in the store. Never throws. */
  willEdit(paths: string[]): void {
    this.run('willEdit', () => capture.willEdit(this.ctx, paths));
  }

  trackingStatus(abs: string): { tracked: boolean; reason?: string } {
    return this.run('trackingStatus', () => capture.trackingStatus(this.ctx, abs));
  }

  // ── sessions and branches ──

  sessions(): SessionInfo[] {
    return this.run('sessions', () => this.ctx.history.newestFirst().map((s) => this.ctx.history.info(s)));
  }

  activeSession(): SessionInfo | undefined {
    return this.run('activeSession', () => {
      const s = this.ctx.history.sessions.get(this.ctx.history.activeId);
      return s ? this.ctx.history.info(s) : undefined;
    });
  }

  newSession(options: { title?: string } = {}): SessionInfo {
    return this.run('newSession', () => sessions.newSession(this.ctx, options));
  }

  renameSession(sessionId: string, title: string): void {
    this.run('renameSession', () => sessions.renameSession(this.ctx, sessionId, title));
  }

  setSessionTags(sessionId: string, tags: string[]): void {
    this.run('setSessionTags', () => sessions.setSessionTags(this.ctx, sessionId, tags));
  }

  /** Makes another session active without touching files; working changes are recomputed against its head. */
  switchSession(sessionId: string): void {
    this.run('switchSession', () => sessions.switchSession(this.ctx, sessionId));
  }

  forkSession(checkpointId: string, options: { title?: string } = {}): SessionInfo {
    return this.run('forkSession', () => sessions.forkSession(this.ctx, checkpointId, options));
  }

  /** Deletes a session (the active one: the newest other becomes active) and frees what only it held. */
  deleteSession(sessionId: string): void {
    this.run('deleteSession', () => {
      this.ctx.mutate(() => sessions.deleteSession(this.ctx, sessionId));
      this.freeAfter('deleting the session');
    });
  }

  createBranch(name: string, options: { from?: string } = {}): BranchInfo {
    return this.run('createBranch', () => branches.createBranch(this.ctx, name, options));
  }

  renameBranch(oldName: string, newName: string): void {
    this.run('renameBranch', () => branches.renameBranch(this.ctx, oldName, newName));
  }

  deleteBranch(name: string): void {
    this.run('deleteBranch', () => branches.deleteBranch(this.ctx, name));
  }

  // ── checkpoints ──

  /** Seals working changes into a checkpoint; undefined when nothing changed (unless allowEmpty). */
  createCheckpoint(meta: CheckpointMeta & { allowEmpty?: boolean } & SealScope = {}): CheckpointInfo | undefined {
    const id = this.run('createCheckpoint', () => {
      checkMeta(meta);
      return createCheckpoint(this.ctx, meta);
    });
    return this.sealed(id);
  }

  /**
   * Begins an agent's turn: seals what is pending into its own checkpoint (`before`; returned,
   * undefined when nothing was pending), then captures `paths` as they are now. See seal.ts.
   */
  beginTurn(options: { before?: CheckpointMeta } & SealScope = {}): CheckpointInfo | undefined {
    const before: CheckpointMeta = { source: 'external', ...options.before };
    const id = this.run('beginTurn', () => {
      checkMeta(before);
      return beginTurn(this.ctx, { ...options, before });
    });
    return this.sealed(id);
  }

  private sealed(id: number | undefined): CheckpointInfo | undefined {
    if (id === undefined) return undefined;
    this.ctx.emit({ type: 'checkpoint', id: String(id) });
    return this.checkpoint(String(id));
  }

  labelCheckpoint(checkpointId: string, label: string): void {
    this.run('labelCheckpoint', () => cps.labelCheckpoint(this.ctx, checkpointId, label));
  }

  checkpoint(id: string): CheckpointInfo {
    return this.run('checkpoint', () => cps.checkpoint(this.ctx, id));
  }

  checkpoints(q: CheckpointQuery = {}): CheckpointSummary[] {
    return this.run('checkpoints', () => cps.checkpoints(this.ctx, q));
  }

  tipsUnder(checkpointId: string): string[] {
    return this.run('tipsUnder', () => cps.tipsUnder(this.ctx, checkpointId));
  }

  workingChanges(): FileChange[] {
    return this.run('workingChanges', () => cps.workingChanges(this.ctx));
  }

  fileAt(checkpointId: string, abs: string): FileVersion | undefined {
    return this.run('fileAt', () => cps.fileAt(this.ctx, checkpointId, abs));
  }

  readContent(hash: string): Uint8Array {
    return this.run('readContent', () => cps.readContent(this.ctx, hash));
  }

  // ── history queries (graph, file history, search) ──

  sessionGraph(sessionId?: string): queries.SessionGraph {
    return this.run('sessionGraph', () => queries.sessionGraph(this.ctx, sessionId));
  }

  fileHistory(path: string, options: { sessionId?: string } = {}): queries.FileHistoryEntry[] {
    return this.run('fileHistory', () => queries.fileHistory(this.ctx, path, options.sessionId));
  }

  searchCheckpoints(query: queries.CheckpointSearch): queries.SearchResult {
    return this.run('searchCheckpoints', () => queries.searchCheckpoints(this.ctx, query));
  }

  sessionSummary(sessionId?: string): SessionSummary {
    return this.run('sessionSummary', () => summarise(this.ctx, sessionId));
  }

  // ── restores ──

  plan(target: RestoreTarget): RestorePlan {
    return this.run('plan', () => plan(this.ctx, target));
  }

  async restore(target: RestoreTarget, options: RestoreOptions = {}): Promise<RestoreResult> {
    return this.run('restore', () => restore(this.ctx, target, options));
  }

  lastRestore(): RestoreResult | undefined {
    return this.run('lastRestore', () => lastRestore(this.ctx));
  }

  // ── restore history (issue 16) ──

  /** The active session's restore history, newest first (at most `limit`, default 50), and what Undo / Redo would walk over next. */
  restoreHistory(options: { limit?: number } = {}): RestoreHistory {
    return this.run('restoreHistory', () => restoreHistoryOf(this.ctx, options.limit));
  }

  // ── maintenance and exchange ──

  /** Removes snapshots nothing refers to. */
  gc(): { removed: number; freedBytes: number } {
    return this.run('gc', () => gc(this.ctx));
  }

  /** `gc` pack by pack, letting the event loop turn between packs (the worker serves reads meanwhile). */
  gcYielding(): Promise<{ removed: number; freedBytes: number }> {
    return this.run('gc', () => gcYielding(this.ctx));
  }

  verify(): StoreCheck {
    return this.run('verify', () => verify(this.ctx));
  }

  repair(): RepairReport {
    return this.run('repair', () => repair(this.ctx));
  }

  exportSession(sessionId: string, file: string): { file: string; bytes: number; checkpoints: number; snapshots: number } {
    return this.run('exportSession', () => exportSession(this.ctx, sessionId, file));
  }

  /** `exportSession` letting the event loop turn while it writes (the worker serves reads meanwhile). */
  exportSessionYielding(sessionId: string, file: string): Promise<{ file: string; bytes: number; checkpoints: number; snapshots: number }> {
    return this.run('exportSession', () => exportSessionYielding(this.ctx, sessionId, file));
  }

  importSession(file: string, options: ImportOptions = {}): ImportedSession {
    return this.run('importSession', () => importSession(this.ctx, file, options));
  }

  /** `importSession` letting the event loop turn while it checks and stores snapshots (the worker serves reads meanwhile). */
  importSessionYielding(file: string, options: ImportOptions = {}): Promise<ImportedSession> {
    return this.run('importSession', () => importSessionYielding(this.ctx, file, options, nextTurn));
  }

  previewImport(file: string, options: Pick<ImportOptions, 'folders'> = {}): ImportPreview {
    return this.run('previewImport', () => previewImport(this.ctx, file, options));
  }

  // ── storage: sizes, compaction, deleting sessions, background gc (issue 14) ──

  /** How big the store is, and each session's share. */
  storageReport(): StorageReport {
    return this.run('storageReport', () => storageReport(this.ctx));
  }

  /** Files tracked by every rule but the size limit (the largest first): never recorded, never restored. */
  filesLeftOutForSize(): LeftOutFiles {
    return this.run('filesLeftOutForSize', () => filesLeftOutForSize(this.ctx));
  }

  /** What Compact Store would squash and free; changes nothing. */
  compactPlan(options: { keepDays: number }): CompactPlan {
    return this.run('compactPlan', () => compactPlan(this.ctx, options));
  }

  /** Squashes old unlabelled runs of checkpoints into their net change, then frees what they alone held. */
  compact(options: { keepDays: number }): CompactPlan & { freed: number } {
    return this.run('compact', () => {
      const plan = compactHistory(this.ctx, options);
      return { ...plan, freed: this.freeAfter('compacting') };
    });
  }

  /** Deletes these sessions (never the active one) and frees what only they held. */
  newTerminalSession(options: { title?: string } = {}): SessionInfo {
    return this.run('newTerminalSession', () => terminal.newTerminalSession(this.ctx, options));
  }

  setTerminalState(sessionId: string, state: { state: 'running' | 'ended'; shellIntegration?: boolean }): SessionInfo {
    return this.run('setTerminalState', () => terminal.setTerminalState(this.ctx, sessionId, state));
  }

  recordCommand(commandRun: terminal.CommandRun): terminal.RecordedCommand {
    return this.run('recordCommand', () => terminal.recordCommand(this.ctx, commandRun));
  }

  commandRecord(sessionId: string, options: { limit?: number } = {}): CommandRecord[] {
    return this.run('commandRecord', () => terminal.commandRecord(this.ctx, sessionId, options));
  }

  commandOutput(commandId: string): string {
    return this.run('commandOutput', () => terminal.commandOutput(this.ctx, commandId));
  }

  deleteSessions(sessionIds: string[]): { deleted: number; checkpoints: number; freed: number } {
    return this.run('deleteSessions', () => {
      const r = this.ctx.mutate(() => sessions.deleteSessions(this.ctx, sessionIds));
      return { ...r, freed: this.freeAfter('deleting sessions') };
    });
  }

  /**
   * Frees what a delete or a compaction left unreferenced, at once. The change itself is already
   * saved: a damaged store (Repair first) or a full disk leaves the garbage for later, logged.
   */
  private freeAfter(what: string): number {
    try {
      return freeGarbage(this.ctx).freedBytes;
    } catch (e) {
      this.ctx.log('warn', `After ${what}, the space could not be freed yet: ${(e as Error).message}`);
      return 0;
    }
  }

  /** One bounded pass of background maintenance: gc steps, and compaction when over the budget. */
  maintain(budget: StorageBudget): MaintenanceReport {
    return this.run('maintain', () => maintain(this.ctx, budget));
  }

  /** Storage figures, for the bench and diagnostics. */
  stats(): { checkpoints: number; sessions: number; objects: number; packBytes: number; dbBytes: number; saveMs: number; tracked: number } {
    return this.run('stats', () => {
      const { history, objects, storeDb, mirror } = this.ctx;
      return {
        checkpoints: history.cps.size, sessions: history.sessions.size, objects: objects.count,
        packBytes: objects.diskSize(), dbBytes: storeDb.diskBytes, saveMs: storeDb.lastSaveMs, tracked: mirror.trackedCount(),
      };
    });
  }
}
