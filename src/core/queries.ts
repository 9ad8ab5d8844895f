// Read-only queries over the whole history, for the history graph, file history and search: a
// session's every checkpoint in one call, the checkpoints that changed one path, and a search over
// every session. Each reads the checkpoints table in one pass (never a query per checkpoint) and
// writes nothing, so each costs O(checkpoints) whatever the page a caller shows.
import { decodeChanges } from './encoding';
import type { EngineContext } from './context';
import { fileChange } from './checkpoints';
import type { CpNode } from './model';
import { CHECKPOINT_SOURCES, type CheckpointSource, type CheckpointSummary, EngineError, type FileChange, type SessionInfo } from './types';

/** A session's whole history: every checkpoint (each with its parent and children), oldest first. */
export interface SessionGraph {
  session: SessionInfo;
  checkpoints: CheckpointSummary[];
}

/** One checkpoint that changed a file, and what it did to it. */
export interface FileHistoryEntry {
  checkpoint: CheckpointSummary;
  change: FileChange;
}

/** What Find Checkpoint looks for. Every condition given must hold; `text` terms each match some field. */
export interface CheckpointSearch {
  /** Words (each must match, case-insensitive) and `field:value` terms — see `parseSearch`. */
  text?: string;
  /** Only this session (default: every session). */
  sessionId?: string;
  sources?: CheckpointSource[];
  /** Created at or after / before this time (ms since the epoch). */
  since?: number;
  until?: number;
  /** At most this many hits (default 5,000); `total` counts them all. */
  limit?: number;
}

export type SearchField = 'label' | 'prompt' | 'command' | 'tool' | 'file' | 'source' | 'cwd';

export interface SearchHit {
  checkpoint: CheckpointSummary;
  sessionTitle: string;
  /** The fields the words were found in. */
  matched: SearchField[];
}

export interface SearchResult {
  hits: SearchHit[];
  /** All matches, also those beyond `limit`. */
  total: number;
}

const DEFAULT_SEARCH_LIMIT = 5000;
const FIELDS: readonly SearchField[] = ['label', 'prompt', 'command', 'tool', 'file', 'source', 'cwd'];

/** Every checkpoint of a session, oldest first (the active session when none is given). */
export function sessionGraph(ctx: EngineContext, sessionId?: string): SessionGraph {
  const { history } = ctx;
  const s = history.session(sessionId);
  const list: CpNode[] = [];
  for (const c of history.cps.values()) if (c.session === s.id) list.push(c);
  list.sort((a, b) => a.id - b.id);
  return { session: history.info(s), checkpoints: list.map((c) => history.summary(c)) };
}

/**
 * Every checkpoint of a session (all branches and the lines a rewind left) that changed the file at
 * absolute path `abs`, newest first.
 */
export function fileHistory(ctx: EngineContext, abs: string, sessionId?: string): FileHistoryEntry[] {
  const { history, meta } = ctx;
  const s = history.session(sessionId);
  const loc = ctx.roots.locate(abs);
  if (!loc) throw new EngineError('outside-workspace', `${abs} is outside the workspace folders.`);
  const p = meta.pathOf(loc.key);
  if (p === undefined) return [];
  const out: FileHistoryEntry[] = [];
  forEachChangeList(ctx, s.id, (c, changes) => {
    const ch = changes.find((x) => x.path === p);
    if (ch) out.push({ checkpoint: history.summary(c), change: fileChange(ctx, ch) });
  });
  return out.sort((a, b) => b.checkpoint.createdAt - a.checkpoint.createdAt || Number(b.checkpoint.id) - Number(a.checkpoint.id));
}

/** Search over every session (or one): labels, prompts, commands, tools, files, sources, times. */
export function searchCheckpoints(ctx: EngineContext, q: CheckpointSearch): SearchResult {
  const { history, meta } = ctx;
  const parsed = parseSearch(q.text ?? '');
  const sources = q.sources ?? parsed.sources;
  const since = q.since ?? parsed.since;
  const until = q.until ?? parsed.until;
  const sessionId = q.sessionId === undefined ? undefined : history.session(q.sessionId).id;
  const limit = q.limit === undefined ? DEFAULT_SEARCH_LIMIT : Math.max(0, Math.floor(q.limit));

  const candidates: CpNode[] = [];
  for (const c of history.cps.values()) {
    if (sessionId !== undefined && c.session !== sessionId) continue;
    if (sources && !sources.includes(c.source)) continue;
    if (since !== undefined && c.createdAt < since) continue;
    if (until !== undefined && c.createdAt >= until) continue;
    candidates.push(c);
  }
  const terms = parsed.terms;
  const hits: { c: CpNode; matched: Set<SearchField> }[] = [];
  if (terms.length === 0) {
    for (const c of candidates) hits.push({ c, matched: new Set() });
  } else {
    const wanted = new Set(candidates.map((c) => c.id));
    const infos = new Map<number, Record<string, unknown>>();
    const needsInfo = terms.some((t) => !t.field || ['prompt', 'command', 'tool', 'cwd'].includes(t.field));
    if (needsInfo) {
      meta.forEachRow('SELECT id, info FROM checkpoints WHERE info IS NOT NULL', (r) => {
        const id = r[0] as number;
        if (!wanted.has(id)) return;
        try {
          infos.set(id, JSON.parse(r[1] as string) as Record<string, unknown>);
        } catch {
          /* damaged metadata matches nothing */
        }
      });
    }
    const needsFiles = terms.some((t) => !t.field || t.field === 'file');
    const files = needsFiles ? fileKeysOf(ctx, wanted) : new Map<number, string[]>();
    for (const c of candidates) {
      const fields = haystack(c, infos.get(c.id), files.get(c.id) ?? []);
      const matched = new Set<SearchField>();
      let all = true;
      for (const t of terms) {
        const where = (t.field ? [t.field] : FIELDS).filter((f) => fields[f].some((v) => v.includes(t.value)));
        if (where.length === 0) {
          all = false;
          break;
        }
        for (const f of where) matched.add(f);
      }
      if (all) hits.push({ c, matched });
    }
  }
  hits.sort((a, b) => b.c.createdAt - a.c.createdAt || b.c.id - a.c.id);
  return {
    total: hits.length,
    hits: hits.slice(0, limit).map(({ c, matched }) => ({
      checkpoint: history.summary(c),
      sessionTitle: history.sessions.get(c.session)?.title ?? '',
      matched: FIELDS.filter((f) => matched.has(f)),
    })),
  };
}

export interface ParsedSearch {
  terms: { field?: SearchField; value: string }[];
  sources?: CheckpointSource[];
  since?: number;
  until?: number;
}

const FIELD_ALIASES: Record<string, SearchField> = {
  label: 'label', prompt: 'prompt', command: 'command', cmd: 'command', tool: 'tool', tools: 'tool',
  file: 'file', path: 'file', cwd: 'cwd',
};

/**
 * Reads a search line: plain words (each must match label, prompt, command, tool names, file paths,
 * source or cwd), `"quoted phrases"`, `label:` `prompt:` `command:` `tool:` `file:` `cwd:` terms,
 * `source:agent,terminal`, and `after:` / `before:` with a date (`2026-05-01`, `2026-05-01T10:00`) or an
 * age (`30m`, `2h`, `3d`, `1w`). A term it cannot read is searched as a word.
 */
export function parseSearch(text: string, now = Date.now()): ParsedSearch {
  const out: ParsedSearch = { terms: [] };
  for (const m of text.matchAll(/(\w+:)?"([^"]*)"?|\S+/g)) {
    const raw = m[0];
    const quoted = m[2] !== undefined;
    const colon = quoted ? (m[1] ? m[1].length - 1 : -1) : raw.indexOf(':');
    const key = colon > 0 ? raw.slice(0, colon).toLowerCase() : '';
    const value = quoted ? m[2] : colon > 0 ? raw.slice(colon + 1) : raw;
    if (key === 'source' || key === 'is') {
      const list = value.toLowerCase().split(',').filter((v): v is CheckpointSource => (CHECKPOINT_SOURCES as string[]).includes(v));
      if (list.length) {
        out.sources = [...(out.sources ?? []), ...list];
        continue;
      }
    }
    if (key === 'after' || key === 'since' || key === 'before' || key === 'until') {
      const t = parseTime(value, now);
      if (t !== undefined) {
        if (key === 'after' || key === 'since') out.since = t;
        else out.until = t;
        continue;
      }
    }
    const field = FIELD_ALIASES[key];
    if (field && value) out.terms.push({ field, value: value.toLowerCase() });
    else {
      const word = (quoted ? m[2] : raw).toLowerCase();
      if (word) out.terms.push({ value: word });
    }
  }
  return out;
}

function parseTime(value: string, now: number): number | undefined {
  const age = /^(\d+)(m|h|d|w)$/.exec(value);
  if (age) return now - Number(age[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[age[2] as 'm' | 'h' | 'd' | 'w'];
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  // A bare date is local midnight, as a person means it.
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00`).getTime() : new Date(value).getTime();
  return Number.isFinite(t) ? t : undefined;
}

function haystack(c: CpNode, info: Record<string, unknown> | undefined, files: string[]): Record<SearchField, string[]> {
  const str = (v: unknown) => (typeof v === 'string' ? [v.toLowerCase()] : []);
  const tools = Array.isArray(info?.tools) ? info.tools.filter((t): t is string => typeof t === 'string').map((t) => t.toLowerCase()) : [];
  return {
    label: [c.label.toLowerCase()],
    prompt: str(info?.prompt),
    command: str(info?.command),
    tool: tools,
    file: files,
    source: [c.source],
    cwd: str(info?.cwd),
  };
}

/** The changed files' keys (lower case) of the wanted checkpoints, in one pass over the table. */
function fileKeysOf(ctx: EngineContext, wanted: ReadonlySet<number>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const keyCache = new Map<number, string>();
  ctx.meta.forEachRow('SELECT id, changes FROM checkpoints WHERE changes IS NOT NULL', (r) => {
    const id = r[0] as number;
    if (!wanted.has(id)) return;
    let changes;
    try {
      changes = decodeChanges(r[1] as Uint8Array);
    } catch {
      return; // a damaged change list matches nothing; Verify Store reports it
    }
    out.set(
      id,
      changes.map((ch) => {
        let k = keyCache.get(ch.path);
        if (k === undefined) keyCache.set(ch.path, (k = (ctx.meta.keyOf(ch.path) ?? '').toLowerCase()));
        return k;
      }),
    );
  });
  return out;
}

/** Each checkpoint of a session that changed something, with its change list, in one pass. */
function forEachChangeList(ctx: EngineContext, sessionId: number, fn: (c: CpNode, changes: ReturnType<typeof decodeChanges>) => void): void {
  ctx.meta.forEachRow(`SELECT id, changes FROM checkpoints WHERE session = ${Number(sessionId)} AND changes IS NOT NULL`, (r) => {
    const c = ctx.history.cps.get(r[0] as number);
    if (!c) return;
    let changes;
    try {
      changes = decodeChanges(r[1] as Uint8Array);
    } catch (e) {
      throw new EngineError('corrupt', `The change list of checkpoint ${c.id} is damaged: ${(e as Error).message}`);
    }
    fn(c, changes);
  });
}
