// Shared test set-up: real temp folders, the real sql.js, the real engine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine, type EngineOptions } from '../../src/core/engine';

export interface Fixture {
  dir: string;
  ws: string;
  store: string;
  engine: Engine;
  write(rel: string, content: string | Buffer, mode?: number): string;
  read(rel: string): Buffer | undefined;
  rm(rel: string): void;
  /** Writes these files (null deletes), rescans and seals a checkpoint. */
  commit(files: Record<string, string | Buffer | null>, meta?: Parameters<Engine['createCheckpoint']>[0]): ReturnType<Engine['createCheckpoint']>;
  abs(rel: string): string;
  /** Every regular file under the workspace (excluding .git), rel → bytes. */
  snapshot(): Map<string, Buffer>;
  reopen(options?: Partial<EngineOptions>): Promise<Engine>;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'st-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function makeFixture(files: Record<string, string | Buffer> = {}, options: Partial<EngineOptions> = {}): Promise<Fixture> {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  const store = path.join(dir, 'store');
  fs.mkdirSync(ws, { recursive: true });
  const abs = (rel: string) => path.join(ws, ...rel.split('/'));
  const write = (rel: string, content: string | Buffer, mode?: number) => {
    const p = abs(rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    if (mode !== undefined) fs.chmodSync(p, mode);
    return p;
  };
  for (const [rel, c] of Object.entries(files)) write(rel, c);
  const make = (o: Partial<EngineOptions> = {}) =>
    new Engine({ storageDir: store, roots: [{ name: 'ws', path: ws }], racyWindowMs: 0, ...options, ...o });
  const fx: Fixture = {
    dir, ws, store,
    engine: make(),
    write, abs,
    read: (rel) => {
      try {
        return fs.readFileSync(abs(rel));
      } catch {
        return undefined;
      }
    },
    rm: (rel) => fs.rmSync(abs(rel), { force: true, recursive: true }),
    commit: (files, meta) => {
      for (const [rel, c] of Object.entries(files)) {
        if (c === null) fx.rm(rel);
        else write(rel, c);
      }
      fx.engine.rescan();
      return fx.engine.createCheckpoint(meta);
    },
    snapshot: () => snapshotDir(ws),
    reopen: async (o) => {
      await fx.engine.close();
      fx.engine = make(o);
      await fx.engine.open();
      return fx.engine;
    },
    cleanup: async () => {
      await fx.engine.close().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await fx.engine.open();
  return fx;
}

export function snapshotDir(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name === '.git') continue;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.isFile()) out.set(r, fs.readFileSync(path.join(d, e.name)));
    }
  };
  walk(root, '');
  return out;
}

export function diffSnapshots(actual: Map<string, Buffer>, expected: Map<string, Buffer>): string[] {
  const problems: string[] = [];
  for (const [k, v] of expected) {
    const a = actual.get(k);
    if (!a) problems.push(`missing ${k}`);
    else if (!a.equals(v)) problems.push(`differs ${k}: ${JSON.stringify(a.toString().slice(0, 40))} != ${JSON.stringify(v.toString().slice(0, 40))}`);
  }
  for (const k of actual.keys()) if (!expected.has(k)) problems.push(`unexpected ${k}`);
  return problems;
}
