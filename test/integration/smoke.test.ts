// The extension loads from the working tree into a real extension host and hands out its API.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './support';


describe('smoke', () => {
  it('the extension is present and activates', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed in this extension host`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('its API has version 1', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    const api: unknown = await extension.activate();
    assert.ok(api && typeof api === 'object', 'activate() returned no API object');
    assert.equal((api as { version?: unknown }).version, 1);
  });

  it('a workspace folder is open', () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 1);
  });
});
