// The end-to-end bench's activation row, runner side: the store Session Tree made in the bench's
// window is grown to a long history with the engine itself (plain Node, the packaged dist/worker.js,
// while no window has the store), then the window is opened again, each time fresh, and the time
// from the Session Tree view being asked for (in the extension host) to its first row painted in
// the browser is taken. No `vscode` import.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { startEngine } from '../../src/host/client';
import { ROOT } from '../../test/harness/paths';
import { Rng, chooseFiles, editFiles } from '../workspace';

/** The one store folder Session Tree made under this code-server's user data. */
export function findStoreDir(home: string, extensionId: string): string {
  const base = path.join(home, 'user-data', 'User', 'workspaceStorage');
  const found = existsSync(base)
    ? readdirSync(base).map((d) => path.join(base, d, extensionId)).filter((d) => existsSync(d))
    : [];
  if (found.length !== 1) throw new Error(`expected one Session Tree store under ${base}, found ${found.length}`);
  return found[0];
}

/**
 * Adds checkpoints to the active session until it holds `count`: each edits one file of the
 * workspace (so the store, the workspace and the next start-up scan stay consistent).
 */
export async function growHistory(storeDir: string, workspace: string, files: string[], count: number, log: (l: string) => void): Promise<{ total: number; newest: string }> {
  const start = () => startEngine({
    workerPath: path.join(ROOT, 'dist', 'worker.js'),
    wasmPath: path.join(ROOT, 'dist', 'sql-wasm.wasm'),
    storageDir: storeDir,
    roots: [{ name: path.basename(workspace), path: workspace }],
    savePolicy: 'debounced',
  });
  const t0 = performance.now();
  // The bench window's extension host may still be closing the store (a large one takes seconds
  // after its code-server was stopped): wait for its lock, up to a minute.
  let client = start();
  for (let attempt = 0; ; attempt++) {
    const opened = await client.open();
    if (!opened.readOnlyReason) break;
    await client.close().catch(() => undefined);
    await client.terminate();
    if (attempt >= 30) throw new Error(`the store opened read-only: ${opened.readOnlyReason}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    client = start();
  }
  try {
    const rng = new Rng(count);
    let have = (await client.activeSession())?.checkpointCount ?? 0;
    let newest = '';
    for (let i = 0; have < count; i++, have++) {
      const abs = editFiles(workspace, chooseFiles(rng, files, 1), rng, `history${i}`);
      await client.notifyChanged(abs);
      newest = `history step ${i + 1}`;
      await client.createCheckpoint({ source: 'agent', label: newest });
      if ((i + 1) % 2000 === 0) log(`  history: ${have + 1} checkpoints`);
    }
    await client.saveNow();
    const total = (await client.activeSession())?.checkpointCount ?? 0;
    log(`history grown to ${total} checkpoints in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)`);
    return { total, newest };
  } finally {
    await client.close().catch(() => undefined);
    await client.terminate();
  }
}

/** Waits for the Sessions tree's row of the newest checkpoint; returns when it was seen (epoch ms) and its text. */
export async function watchTree(page: Page, label: string, timeoutMs: number): Promise<{ seenAt: number; text: string }> {
  const tree = page.locator('.sidebar').getByRole('tree', { name: 'Sessions', exact: true });
  const row = tree.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  const seenAt = Date.now();
  const parts = await row.locator('.label-name, .label-description').allInnerTexts();
  return { seenAt, text: parts.map((t) => t.trim()).filter(Boolean).join(' ') };
}
