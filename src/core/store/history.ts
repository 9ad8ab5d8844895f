// The history: sessions, their branches and checkpoints, and which session is active. The only
// writer of the `sessions`, `branches` and `checkpoints` tables (and of `meta.active_session`):
// each change writes its row and its in-memory copy in one method, so the two never drift.
//
// A session is a tree of checkpoints. Its root carries a full manifest of the workspace (an
// object in the snapshot store); every other checkpoint carries only its delta against its
// parent: the files it changed, each with its version before and after (one packed BLOB).
import { type ChangeRecord, decodeChanges, encodeChanges } from '../encoding';
import { type CpNode, DEFAULT_BRANCH, type SessionRow, safeJson } from '../model';
import { type BranchInfo, CHECKPOINT_SOURCES, type CheckpointSource, type CheckpointSummary, EngineError, type SessionInfo } from '../types';
import type { Metadata } from './metadata';

export interface Branch {
  head: number;
  createdAt: number;
}

export interface NewCheckpoint {
  session: number;
  parent: number;
  source: CheckpointSource;
  label: string;
  info?: Record<string, unknown>;
  changes: ChangeRecord[];
  manifest?: string;
  createdAt?: number;
  exitCode?: number;
}

const CHANGES_CACHE_MAX = 4096;

export class History {
  readonly cps = new Map<number, CpNode>();
  readonly sessions = new Map<number, SessionRow>();
  private readonly branchMaps = new Map<number, Map<string, Branch>>();
  activeId = 0;
  private changesCache = new Map<number, ChangeRecord[]>();
  /** Checkpoints a person labelled (Label Checkpoint): compaction keeps them. */
  readonly labelled = new Set<number>();

  constructor(
    private readonly meta: Metadata,
    private readonly clock: () => number,
  ) {}

  /** Reads sessions, branches and checkpoints (what a first paint needs). */
  load(): void {
    this.cps.clear();
    this.sessions.clear();
    this.branchMaps.clear();
    this.changesCache.clear();
    this.labelled.clear();
    const m = this.meta;
    m.forEachRow('SELECT id, title, created_at, tags, parent_session, parent_checkpoint, root, active_branch, kind, state, integration FROM sessions', (r) => {
      this.sessions.set(r[0] as number, {
        id: r[0] as number, title: r[1] as string, createdAt: r[2] as number, tags: safeJson(r[3] as string, []),
        parentSession: (r[4] as number) ?? undefined, parentCheckpoint: (r[5] as number) ?? undefined,
        root: r[6] as number, activeBranch: r[7] as string,
        ...(r[8] === 'terminal' ? { terminal: { state: r[9] === 'running' ? 'running' : 'ended', shellIntegration: r[10] !== 0 } } : {}),
      });
      this.branchMaps.set(r[0] as number, new Map());
    });
    m.forEachRow('SELECT session, name, head, created_at FROM branches', (r) => {
      this.branchMaps.get(r[0] as number)?.set(r[1] as string, { head: r[2] as number, createdAt: r[3] as number });
    });
    m.forEachRow(
      'SELECT id, session, parent, created_at, source, label, nfiles, added, removed, exit_code, manifest FROM checkpoints ORDER BY id',
      (r) => {
        const parent = (r[2] as number) ?? 0;
        const p = parent ? this.cps.get(parent) : undefined;
        const node: CpNode = {
          id: r[0] as number, session: r[1] as number, parent, createdAt: r[3] as number,
          source: (CHECKPOINT_SOURCES as string[]).includes(r[4] as string) ? (r[4] as CheckpointSource) : 'manual',
          label: r[5] as string, nfiles: r[6] as number, added: r[7] as number, removed: r[8] as number,
          exitCode: (r[9] as number) ?? undefined, depth: p ? p.depth + 1 : 0, children: [],
          manifest: r[10] ? Buffer.from(r[10] as Uint8Array).toString('hex') : undefined,
        };
        this.cps.set(node.id, node);
        p?.children.push(node.id);
      },
    );
    m.forEachRow(`SELECT id FROM checkpoints WHERE info LIKE '%"labelled":true%'`, (r) => this.labelled.add(r[0] as number));
    const active = m.metaGet('active_session');
    this.activeId = active ? Number(active) : 0;
    if (!this.sessions.has(this.activeId)) this.activeId = [...this.sessions.keys()].pop() ?? 0;
  }

  // ── reading ──

  session(id?: string | number): SessionRow {
    const n = id === undefined ? this.activeId : Number(id);
    const s = this.sessions.get(n);
    if (!s) {
      if (id === undefined) throw new EngineError('not-found', 'There is no active session.');
      throw new EngineError('not-found', `No session with id "${id}".`);
    }
    return s;
  }

  branchesOf(sessionId: number): ReadonlyMap<string, Branch> {
    return this.branchMaps.get(sessionId) ?? new Map();
  }

  headOf(s: SessionRow): number {
    const b = this.branchMaps.get(s.id)?.get(s.activeBranch);
    if (!b) throw new EngineError('corrupt', `Session "${s.title}" has no branch "${s.activeBranch}".`);
    return b.head;
  }

  /** Head of the active session. */
  get head(): number {
    return this.headOf(this.session());
  }

  node(id: string | number): CpNode {
    const n = typeof id === 'number' ? id : /^\d+$/.test(String(id)) ? Number(id) : NaN;
    const c = this.cps.get(n);
    if (!c) throw new EngineError('not-found', `No checkpoint with id "${id}".`);
    return c;
  }

  /** `id` and its ancestors, nearest first. */
  *ancestors(id: number): IterableIterator<CpNode> {
    for (let c = this.cps.get(id); c; c = c.parent ? this.cps.get(c.parent) : undefined) yield c;
  }

  /** Root first, down to `id`. */
  chain(id: number): CpNode[] {
    return [...this.ancestors(id)].reverse();
  }

  /**
   * The walk from `from` and from `to` up to their lowest common ancestor (two checkpoints of one
   * session): `up` from `from` (nearest `from` first), `down` from `to` (nearest `to` first); the
   * ancestor itself is in neither. Cost: the checkpoints between them.
   */
  pathBetween(from: number, to: number): { up: CpNode[]; down: CpNode[] } {
    let a = this.cps.get(from);
    let b = this.cps.get(to);
    if (!a || !b) throw new EngineError('not-found', 'Checkpoint not found.');
    const up: CpNode[] = [];
    const down: CpNode[] = [];
    while (a.depth > b.depth) {
      up.push(a);
      a = this.cps.get(a.parent)!;
    }
    while (b.depth > a.depth) {
      down.push(b);
      b = this.cps.get(b.parent)!;
    }
    while (a.id !== b.id) {
      up.push(a);
      down.push(b);
      a = this.cps.get(a.parent)!;
      b = this.cps.get(b.parent)!;
      if (!a || !b) throw new EngineError('corrupt', 'Two checkpoints of one session have no common ancestor.');
    }
    return { up, down };
  }

  checkpointsOf(sessionId: number): CpNode[] {
    return [...this.cps.values()].filter((c) => c.session === sessionId);
  }

  /** Sessions, newest first. */
  newestFirst(): SessionRow[] {
    return [...this.sessions.values()].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  }

  /** The session to make active when the active one goes: the newest (the first made, of those made in the same millisecond). */
  successor(): SessionRow | undefined {
    return [...this.sessions.values()].sort((a, b) => b.createdAt - a.createdAt)[0];
  }

  /**
   * Every checkpoint's change list, in one pass over the table (a gc's walk over the whole history:
   * one statement instead of one query per checkpoint). Lists are not cached by it.
   */
  forEachChanges(fn: (id: number, changes: ChangeRecord[]) => void): void {
    this.meta.forEachRow('SELECT id, changes FROM checkpoints', (row) => {
      const id = row[0] as number;
      let c = this.changesCache.get(id);
      if (!c) {
        try {
          c = decodeChanges(row[1] as Uint8Array | null);
        } catch (e) {
          throw new EngineError('corrupt', `The change list of checkpoint ${id} is damaged: ${(e as Error).message}`);
        }
      }
      fn(id, c);
    });
  }

  changesOf(id: number): ChangeRecord[] {
    let c = this.changesCache.get(id);
    if (!c) {
      const row = this.meta.one('SELECT changes FROM checkpoints WHERE id = ?', [id]) ?? [];
      try {
        c = decodeChanges(row[0] as Uint8Array | null);
      } catch (e) {
        throw new EngineError('corrupt', `The change list of checkpoint ${id} is damaged: ${(e as Error).message}`);
      }
      if (this.changesCache.size > CHANGES_CACHE_MAX) this.changesCache.clear();
      this.changesCache.set(id, c);
    }
    return c;
  }

  /** A checkpoint's metadata (tools, prompt, command…), as stored. */
  infoOf(id: number): Record<string, unknown> | undefined {
    const row = this.meta.one('SELECT info FROM checkpoints WHERE id = ?', [id]) ?? [];
    return row[0] ? safeJson(row[0] as string, undefined) : undefined;
  }

  summary(c: CpNode): CheckpointSummary {
    return {
      id: String(c.id), sessionId: String(c.session), parentId: c.parent ? String(c.parent) : undefined,
      createdAt: c.createdAt, label: c.label, source: c.source, exitCode: c.exitCode, fileCount: c.nfiles,
      added: c.added, removed: c.removed, childIds: c.children.map(String),
    };
  }

  info(s: SessionRow): SessionInfo {
    const branches: BranchInfo[] = [...this.branchesOf(s.id).entries()]
      .map(([name, b]) => ({ name, headId: String(b.head), active: name === s.activeBranch, createdAt: b.createdAt }))
      .sort((a, b) => (a.active === b.active ? a.name.localeCompare(b.name) : a.active ? -1 : 1));
    let count = 0;
    for (const c of this.cps.values()) if (c.session === s.id) count++;
    return {
      id: String(s.id), title: s.title, createdAt: s.createdAt, tags: [...s.tags],
      parentSessionId: s.parentSession ? String(s.parentSession) : undefined,
      parentCheckpointId: s.parentCheckpoint ? String(s.parentCheckpoint) : undefined,
      rootId: String(s.root), activeBranch: s.activeBranch, headId: String(this.headOf(s)), branches,
      checkpointCount: count, active: s.id === this.activeId,
      ...(s.terminal ? { terminal: { ...s.terminal } } : {}),
    };
  }

  // ── writing: each method writes its rows and its in-memory copy ──

  /** A new session row (its root is set with `setRoot` once its first checkpoint exists). */
  insertSession(row: Omit<SessionRow, 'id' | 'root' | 'createdAt'> & { createdAt?: number }): number {
    const id = this.meta.nextId('sessions');
    const createdAt = row.createdAt ?? this.clock();
    this.meta.run('INSERT INTO sessions(id, title, created_at, tags, parent_session, parent_checkpoint, root, active_branch) VALUES (?,?,?,?,?,?,?,?)', [
      id, row.title, createdAt, JSON.stringify(row.tags), row.parentSession ?? null, row.parentCheckpoint ?? null, 0, row.activeBranch,
    ]);
    this.sessions.set(id, { id, title: row.title, createdAt, tags: [...row.tags], root: 0, activeBranch: row.activeBranch, parentSession: row.parentSession, parentCheckpoint: row.parentCheckpoint });
    this.branchMaps.set(id, new Map());
    return id;
  }

  setRoot(sessionId: number, root: number): void {
    this.meta.run('UPDATE sessions SET root = ? WHERE id = ?', [root, sessionId]);
    this.sessions.get(sessionId)!.root = root;
  }

  insertCheckpoint(row: NewCheckpoint): number {
    const id = this.meta.nextId('checkpoints');
    const createdAt = row.createdAt ?? this.clock();
    let added = 0;
    let removed = 0;
    for (const c of row.changes) {
      added += c.added;
      removed += c.removed;
    }
    const info = row.info && Object.keys(row.info).length ? JSON.stringify(row.info) : null;
    this.meta.run(
      'INSERT INTO checkpoints(id, session, parent, created_at, source, label, info, changes, manifest, nfiles, added, removed, exit_code) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
      [
        id, row.session, row.parent || null, createdAt, row.source, row.label, info,
        row.changes.length ? encodeChanges(row.changes) : null, row.manifest ? Buffer.from(row.manifest, 'hex') : null,
        row.changes.length, added, removed, row.exitCode ?? null,
      ],
    );
    const parent = row.parent ? this.cps.get(row.parent) : undefined;
    const node: CpNode = {
      id, session: row.session, parent: row.parent, createdAt, source: row.source, label: row.label,
      nfiles: row.changes.length, added, removed, exitCode: row.exitCode, depth: parent ? parent.depth + 1 : 0,
      children: [], manifest: row.manifest,
    };
    this.cps.set(id, node);
    parent?.children.push(id);
    this.changesCache.set(id, row.changes);
    return id;
  }

  /** `byPerson`: labelled through Label Checkpoint (recorded in its info; compaction keeps it). */
  setLabel(c: CpNode, label: string, byPerson = false): void {
    this.meta.run('UPDATE checkpoints SET label = ? WHERE id = ?', [label, c.id]);
    c.label = label;
    if (byPerson && !this.labelled.has(c.id)) {
      this.meta.run('UPDATE checkpoints SET info = ? WHERE id = ?', [JSON.stringify({ ...(this.infoOf(c.id) ?? {}), labelled: true }), c.id]);
      this.labelled.add(c.id);
    }
  }

  deleteCheckpoint(id: number): void {
    const c = this.cps.get(id);
    this.meta.run('DELETE FROM checkpoints WHERE id = ?', [id]);
    this.cps.delete(id);
    this.changesCache.delete(id);
    const p = c ? this.cps.get(c.parent) : undefined;
    if (p) p.children = p.children.filter((k) => k !== id);
  }

  /**
   * Compaction: the checkpoints `run` (a line, oldest first, each the only child of the one before)
   * become their last one, which keeps its id, children and references and now holds the run's net
   * change against the first one's parent. The others are deleted.
   */
  squash(run: number[], changes: ChangeRecord[], info: Record<string, unknown>): void {
    const last = this.cps.get(run[run.length - 1])!;
    const first = this.cps.get(run[0])!;
    const parent = this.cps.get(first.parent);
    let added = 0;
    let removed = 0;
    for (const c of changes) {
      added += c.added;
      removed += c.removed;
    }
    const infoText = JSON.stringify({ ...(this.infoOf(last.id) ?? {}), ...info });
    this.meta.run('UPDATE checkpoints SET parent = ?, changes = ?, nfiles = ?, added = ?, removed = ?, info = ? WHERE id = ?', [
      first.parent || null, changes.length ? encodeChanges(changes) : null, changes.length, added, removed, infoText, last.id,
    ]);
    for (const id of run.slice(0, -1)) {
      this.meta.run('DELETE FROM checkpoints WHERE id = ?', [id]);
      this.cps.delete(id);
      this.changesCache.delete(id);
    }
    if (parent) parent.children = parent.children.map((k) => (k === first.id ? last.id : k));
    Object.assign(last, { parent: first.parent, nfiles: changes.length, added, removed });
    this.changesCache.set(last.id, changes);
    // Depths below the squashed line shrink by the checkpoints removed.
    const shift = run.length - 1;
    const stack = [last.id];
    while (stack.length) {
      const c = this.cps.get(stack.pop()!)!;
      c.depth -= shift;
      stack.push(...c.children);
    }
  }

  /** The session, its branches and every checkpoint of it. */
  deleteSession(sessionId: number): void {
    const ids = this.checkpointsOf(sessionId).map((c) => c.id);
    this.meta.run('DELETE FROM checkpoints WHERE session = ?', [sessionId]);
    this.meta.run('DELETE FROM branches WHERE session = ?', [sessionId]);
    this.meta.run('DELETE FROM sessions WHERE id = ?', [sessionId]);
    for (const id of ids) {
      this.cps.delete(id);
      this.changesCache.delete(id);
      this.labelled.delete(id);
    }
    this.sessions.delete(sessionId);
    this.branchMaps.delete(sessionId);
  }

  /** A session row with no checkpoints left (Repair drops sessions whose history is gone). */
  dropSessionRow(sessionId: number): void {
    this.meta.run('DELETE FROM branches WHERE session = ?', [sessionId]);
    this.meta.run('DELETE FROM sessions WHERE id = ?', [sessionId]);
    this.sessions.delete(sessionId);
    this.branchMaps.delete(sessionId);
  }

  renameSession(s: SessionRow, title: string): void {
    this.meta.run('UPDATE sessions SET title = ? WHERE id = ?', [title, s.id]);
    s.title = title;
  }

  /** Makes `s` a terminal session, or changes its state (running / ended, shell integration). */
  setTerminalState(s: SessionRow, terminal: { state: 'running' | 'ended'; shellIntegration: boolean }): void {
    this.meta.run("UPDATE sessions SET kind = 'terminal', state = ?, integration = ? WHERE id = ?", [terminal.state, terminal.shellIntegration ? 1 : 0, s.id]);
    s.terminal = { ...terminal };
  }

  setTags(s: SessionRow, tags: string[]): void {
    this.meta.run('UPDATE sessions SET tags = ? WHERE id = ?', [JSON.stringify(tags), s.id]);
    s.tags = tags;
  }

  setActiveSession(id: number): void {
    this.activeId = id;
    this.meta.metaSet('active_session', String(id));
  }

  setActiveBranch(s: SessionRow, name: string): void {
    s.activeBranch = name;
    this.meta.run('UPDATE sessions SET active_branch = ? WHERE id = ?', [name, s.id]);
  }

  /** Creates the branch or moves its head (its creation time stays). */
  setBranchHead(sessionId: number, name: string, head: number): void {
    const m = this.branchMaps.get(sessionId)!;
    const createdAt = m.get(name)?.createdAt ?? this.clock();
    m.set(name, { head, createdAt });
    this.meta.run('INSERT OR REPLACE INTO branches(session, name, head, created_at) VALUES (?, ?, ?, ?)', [sessionId, name, head, createdAt]);
  }

  deleteBranch(sessionId: number, name: string): void {
    this.branchMaps.get(sessionId)!.delete(name);
    this.meta.run('DELETE FROM branches WHERE session = ? AND name = ?', [sessionId, name]);
  }

  renameBranch(s: SessionRow, oldName: string, newName: string): void {
    const m = this.branchMaps.get(s.id)!;
    const b = m.get(oldName)!;
    this.deleteBranch(s.id, oldName);
    m.set(newName, b);
    this.meta.run('INSERT INTO branches(session, name, head, created_at) VALUES (?,?,?,?)', [s.id, newName, b.head, b.createdAt]);
    if (s.activeBranch === oldName) this.setActiveBranch(s, newName);
  }

  /** A new session with a single root checkpoint holding `manifest`, made active. */
  startSession(title: string, manifest: string, extra?: { parentSession?: number; parentCheckpoint?: number }, rootLabel = 'Session start'): number {
    const id = this.insertSession({ title, tags: [], activeBranch: DEFAULT_BRANCH, ...extra });
    const root = this.insertCheckpoint({ session: id, parent: 0, source: 'start', label: rootLabel, changes: [], manifest });
    this.setRoot(id, root);
    this.setBranchHead(id, DEFAULT_BRANCH, root);
    this.setActiveSession(id);
    return id;
  }
}
