// What the integration tests share: Session Tree's API once the extension is active and its store
// open, waiting for a condition, and setting a setting. (Not a test file: index.ts runs only `*.test.js`.)
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SessionTreeApi } from '../../src/api';

export const EXTENSION_ID = 'sessiontree.session-tree';

/** Activates the extension and waits until its store is open and the start-up scan done. */
export async function sessionTreeApi(): Promise<SessionTreeApi> {
  const extension = vscode.extensions.getExtension<SessionTreeApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in this extension host`);
  const api = await extension.activate();
  await api.ready;
  return api;
}

/** Polls `fn` every 100 ms until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A Session Tree setting, set globally: no .vscode/settings.json appears in the workspace as a change of its own. */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('sessionTree').update(key, value, vscode.ConfigurationTarget.Global);
}

/** An agent's turn through the API: announces the files, writes them (under `root`), makes a checkpoint labelled `label`. */
export async function agentTurn(
  api: SessionTreeApi,
  root: string,
  label: string,
  files: Record<string, string>,
  meta: { tools?: string[]; prompt?: string } = {},
) {
  await api.willEdit(Object.keys(files).map((rel) => vscode.Uri.file(path.join(root, rel))));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  const cp = await api.createCheckpoint({ label, ...meta });
  assert.ok(cp, `“${label}” made a checkpoint`);
  return cp;
}
