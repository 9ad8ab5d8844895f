// The workspace folders and store keys: a tracked file's key is `<folder key>/<relative path>`
// (a folder's key is stable whatever its display name or position: see store/folders.ts).
import * as path from 'node:path';
import { legacyKeys } from './store/folders';
import { EngineError, type RootFolder } from './types';

export interface Located {
  root: RootFolder;
  rel: string;
  key: string;
}

export class Roots {
  readonly list: RootFolder[];
  /** Longest path first: the innermost folder that holds a path wins. */
  private readonly resolved: { root: RootFolder; path: string }[];
  private readonly inner = new Map<string, Set<string>>();

  constructor(roots: RootFolder[]) {
    this.list = validateRoots(roots);
    this.resolved = this.list.map((r) => ({ root: r, path: path.resolve(r.path) })).sort((a, b) => b.path.length - a.path.length);
  }

  /**
   * The paths of the other folders nested inside `root` (`ws/sub` inside `ws`): the inner folder
   * owns its files, so a walk of `root` does not enter them.
   */
  innerOf(root: RootFolder): ReadonlySet<string> {
    let inner = this.inner.get(root.name);
    if (!inner) {
      const base = path.resolve(root.path);
      inner = new Set(this.resolved.filter((r) => within(base, r.path)).map((r) => r.path));
      this.inner.set(root.name, inner);
    }
    return inner;
  }

  /** Whether `key` (of the open folder it names) is a path another, inner folder owns. */
  shadowed(key: string): boolean {
    const r = this.rootOfKey(key);
    if (!r || this.innerOf(r.root).size === 0) return false;
    const loc = this.locate(this.absOf(key));
    return loc !== undefined && loc.root.name !== r.root.name;
  }

  /** The keys the folders around `key`'s folder would give the same file, innermost first. */
  outerKeysOf(key: string): string[] {
    const r = this.rootOfKey(key);
    if (!r) return [];
    const abs = path.join(r.root.path, ...r.rel.split('/'));
    const out: string[] = [];
    for (const o of this.resolved) {
      if (o.root.name === r.root.name || !this.innerOf(o.root).has(path.resolve(r.root.path))) continue;
      const rel = path.relative(o.path, abs).split(path.sep).join('/');
      out.push(`${o.root.name}/${rel}`);
    }
    return out;
  }

  /** Resolves an absolute path to its root and store key; undefined when outside every root. */
  locate(abs: string): Located | undefined {
    if (typeof abs !== 'string' || abs === '' || !path.isAbsolute(abs) || abs.includes('\0')) return undefined;
    const norm = path.resolve(abs);
    const best = this.resolved.find((r) => norm.length > r.path.length && norm.startsWith(r.path) && (norm[r.path.length] === path.sep || r.path.endsWith(path.sep)));
    if (!best) return undefined;
    const tail = norm.slice(best.path.length + (best.path.endsWith(path.sep) ? 0 : 1));
    const rel = path.sep === '/' ? tail : tail.split(path.sep).join('/');
    if (rel === '' || rel === '..' || rel.startsWith('../')) return undefined;
    return { root: best.root, rel, key: `${best.root.name}/${rel}` };
  }

  /** The open folder a store key belongs to; undefined when that folder is not open. */
  rootOfKey(key: string): { root: RootFolder; rel: string } | undefined {
    const slash = key.indexOf('/');
    const root = this.list.find((r) => r.name === key.slice(0, slash));
    return root ? { root, rel: key.slice(slash + 1) } : undefined;
  }

  /** Absolute path of a stored key ('' when its workspace folder is not open). */
  absOf(key: string): string {
    const r = this.rootOfKey(key);
    return r ? path.join(r.root.path, ...r.rel.split('/')) : '';
  }
}

function within(base: string, p: string): boolean {
  return p.length > base.length && p.startsWith(base) && (p[base.length] === path.sep || base.endsWith(path.sep));
}

function validateRoots(roots: RootFolder[]): RootFolder[] {
  if (!Array.isArray(roots)) throw new EngineError('invalid-argument', 'roots must be a list of folders.');
  const names = new Set<string>();
  return roots.map((r) => {
    if (!r || typeof r.name !== 'string' || !r.name || r.name.includes('/') || names.has(r.name)) {
      throw new EngineError('invalid-argument', `Workspace folder keys must be unique and contain no "/" (got "${r?.name}").`);
    }
    if (typeof r.path !== 'string' || !path.isAbsolute(r.path)) throw new EngineError('invalid-argument', `Workspace folder "${r.label ?? r.name}" needs an absolute path.`);
    names.add(r.name);
    return { name: r.name, path: path.resolve(r.path), label: typeof r.label === 'string' && r.label ? r.label : r.name, ...(typeof r.sameAs === 'string' ? { sameAs: r.sameAs } : {}) };
  });
}

/**
 * The folders as given to the engine (`name` or `label`: the display name), keyed by display
 * name until the open resolves their stored keys.
 */
export function provisionalRoots(requested: RootFolder[]): RootFolder[] {
  if (!Array.isArray(requested)) throw new EngineError('invalid-argument', 'roots must be a list of folders.');
  const labels = requested.map((r) => {
    const label = r?.label ?? r?.name;
    if (typeof label !== 'string' || label === '') throw new EngineError('invalid-argument', `Every workspace folder needs a name (got "${String(label)}").`);
    return label;
  });
  const keys = legacyKeys(labels);
  return requested.map((r, i) => ({ ...r, name: keys[i], label: labels[i] }));
}
