// Which folder holds this workspace's store. VS Code gives each window its own workspace storage:
// a second window on a workspace already open gets `<id>-1` (then `-2`, …) beside `<id>`, because
// the first holds a lock on `<id>`. The store of a workspace is one, whatever the window: a second
// window uses the store in `<id>` (read-only while the first has it, see src/core/lock.ts), so it
// shows the same history and takes over recording when the first closes. No `vscode` import.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The store folder for `storageDir` (the extension's `storageUri`): the first window's, when there is one. */
export function sharedStoreDir(storageDir: string): string {
  const windowDir = path.dirname(storageDir);
  const m = /^(.+)-([1-9])$/.exec(path.basename(windowDir));
  if (!m) return storageDir;
  const first = path.join(path.dirname(windowDir), m[1]);
  try {
    if (!fs.lstatSync(first).isDirectory()) return storageDir;
  } catch {
    return storageDir;
  }
  return path.join(first, path.basename(storageDir));
}
