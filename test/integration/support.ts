// What the integration tests share: Session Tree's API once the extension is active and its store
// open. (Not a test file: index.ts runs only `*.test.js`.)
import assert from 'node:assert/strict';
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
