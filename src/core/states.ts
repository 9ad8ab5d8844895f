// States: the content of every tracked file at a checkpoint, computed from the history.
//
// The state of checkpoint C is its root's manifest with the deltas on the path root → C applied.
// Moving between two checkpoints A and B never rebuilds a state: `delta` walks from both up to
// their lowest common ancestor and folds the deltas met on the way, so its cost is the number of
// changes between them, independent of workspace size and of how long the rest of the history is.
import type { ObjectStore } from '../storage/objects';
import { type Manifest, decodeManifest } from './encoding';
import { ABSENT, type CpNode, type Ver, sameVer } from './model';
import type { History } from './store/history';
import type { Metadata } from './store/metadata';
import { EngineError } from './types';

const MANIFEST_CACHE_MAX = 4;

export class States {
  private readonly manifests = new Map<string, Manifest>();

  constructor(
    private readonly history: History,
    private readonly meta: Metadata,
    private readonly objects: () => ObjectStore,
  ) {}

  /** A session root's full manifest (decoded once, a few kept in memory). */
  manifestOf(hash: string): Manifest {
    let m = this.manifests.get(hash);
    if (!m) {
      try {
        m = decodeManifest(this.objects().get(hash));
      } catch (e) {
        throw new EngineError('corrupt', `The starting state of a session could not be read: ${(e as Error).message}`);
      }
      this.remember(hash, m);
    }
    return m;
  }

  /** A manifest just written (a new session's start): kept so its first use does not read it back. */
  remember(hash: string, m: Manifest): void {
    if (this.manifests.size > MANIFEST_CACHE_MAX) this.manifests.clear();
    this.manifests.set(hash, m);
  }

  /** The full state of a checkpoint: its root's manifest with every delta down to it. */
  stateOf(id: number): Map<number, Ver> {
    const chain = this.history.chain(id);
    const root = chain[0];
    const state = new Map<number, Ver>();
    if (root?.manifest) {
      for (const [key, v] of this.manifestOf(root.manifest)) state.set(this.meta.pathId(key), { blob: this.meta.blobId(v.hash, 0), mode: v.mode });
    }
    for (const c of chain) {
      for (const ch of this.history.changesOf(c.id)) {
        if (ch.afterBlob) state.set(ch.path, { blob: ch.afterBlob, mode: ch.afterMode });
        else state.delete(ch.path);
      }
    }
    return state;
  }

  /**
   * The paths that differ between the states of `from` and `to`, with their version in `to`
   * (ABSENT: not in `to`). Within a session: the changes between them, folded. Across sessions
   * (different trees, rare): full states compared.
   */
  delta(from: number, to: number): Map<number, Ver> {
    const out = new Map<number, Ver>();
    if (from === to) return out;
    const a = this.history.cps.get(from);
    const b = this.history.cps.get(to);
    if (!a || !b) throw new EngineError('not-found', 'Checkpoint not found.');
    if (a.session !== b.session) {
      const sa = this.stateOf(from);
      const sb = this.stateOf(to);
      for (const [p, v] of sb) if (!sameVer(sa.get(p), v)) out.set(p, v);
      for (const p of sa.keys()) if (!sb.has(p)) out.set(p, ABSENT);
      return out;
    }
    const { up, down } = this.history.pathBetween(from, to);
    return foldDelta(up, down, (c) => this.history.changesOf(c.id));
  }

  /** Version of a path in checkpoint `cp` (walks up to the root; used for single files). */
  versionAt(cp: number, p: number): Ver {
    for (const c of this.history.ancestors(cp)) {
      for (const ch of this.history.changesOf(c.id)) if (ch.path === p) return { blob: ch.afterBlob, mode: ch.afterMode };
      if (!c.parent && c.manifest) {
        const v = this.manifestOf(c.manifest).get(this.meta.keyOf(p));
        return v ? { blob: this.meta.blobId(v.hash, 0), mode: v.mode } : ABSENT;
      }
    }
    return ABSENT;
  }
}

/**
 * The lowest-common-ancestor fold: `up` are the checkpoints from `from` up to (not including) the
 * common ancestor, nearest `from` first; `down` those from `to` up to it, nearest `to` first.
 * Going up, a path's version at the ancestor is the `before` of the change nearest the ancestor;
 * going down, its version at `to` is the `after` of the change nearest `to`.
 */
export function foldDelta(
  up: readonly CpNode[],
  down: readonly CpNode[],
  changesOf: (c: CpNode) => readonly { path: number; beforeBlob: number; beforeMode: number; afterBlob: number; afterMode: number }[],
): Map<number, Ver> {
  const out = new Map<number, Ver>();
  for (const c of up) for (const ch of changesOf(c)) out.set(ch.path, { blob: ch.beforeBlob, mode: ch.beforeMode });
  for (let i = down.length - 1; i >= 0; i--) for (const ch of changesOf(down[i])) out.set(ch.path, { blob: ch.afterBlob, mode: ch.afterMode });
  return out;
}
