// Files left out for their size: tracked by every other rule, but larger than the size limit, so
// never recorded and never touched by a restore. Found by a walk of the workspace folders (on
// demand: Show Storage), skipping what the other rules exclude.
import type { Dirent } from 'node:fs';
import * as path from 'node:path';
import type { EngineContext } from '../context';
import type { LeftOutFiles } from '../storageTypes';
import { DEFAULT_MAX_FILE_SIZE } from '../tracking';


export function filesLeftOutForSize(ctx: EngineContext, max = 50): LeftOutFiles {
  const { tracking } = ctx;
  const limit = ctx.options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const found: { path: string; size: number }[] = [];
  for (const root of ctx.roots.list) {
    const inner = ctx.roots.innerOf(root);
    const stack = [''];
    while (stack.length) {
      const rel = stack.pop()!;
      const dir = rel ? path.join(root.path, ...rel.split('/')) : root.path;
      let entries: Dirent[];
      try {
        entries = ctx.fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        const abs = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!inner.has(abs) && !tracking.excludedWithAncestors(root.path, r, true)) stack.push(r);
        } else if (e.isFile()) {
          let size: number;
          try {
            size = ctx.fs.lstatSync(abs).size;
          } catch {
            continue;
          }
          if (size > limit && !tracking.excludedWithAncestors(root.path, r, false)) found.push({ path: abs, size });
        }
      }
    }
  }
  found.sort((a, b) => b.size - a.size);
  return { limit, count: found.length, files: found.slice(0, max) };
}
