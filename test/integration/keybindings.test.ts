// Session Tree's default keyboard shortcuts clash with none of VS Code's own defaults: the running
// VS Code's default keybindings (its "Open Default Keyboard Shortcuts (JSON)") are read and every key
// the manifest contributes is looked up in them.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './support';


interface Binding {
  key: string;
  command: string;
  when?: string;
  mac?: string;
}

/** VS Code's default keybindings as the running workbench declares them (JSON with comments). */
async function defaultBindings(): Promise<Binding[]> {
  await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
  const doc = vscode.window.activeTextEditor?.document;
  assert.ok(doc, 'the default keybindings file did not open');
  const text = doc.getText();
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  // Line comments only (the file has no block comments and no "//" inside its strings' keys).
  const json = text.split('\n').filter((l) => !/^\s*\/\//.test(l)).join('\n');
  return JSON.parse(json) as Binding[];
}

/** "ctrl+alt+s ctrl+c" → each part with its modifiers sorted, so "alt+ctrl+s" equals "ctrl+alt+s". */
function normal(key: string): string {
  return key
    .toLowerCase()
    .split(' ')
    .map((part) => part.split('+').sort().join('+'))
    .join(' ');
}

describe('keyboard shortcuts', () => {
  it('each default shortcut of Session Tree is free in VS Code, chord prefix included', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { keybindings?: Binding[] } };
    const ours = manifest.contributes.keybindings ?? [];
    assert.ok(ours.length >= 4, 'Session Tree contributes its default shortcuts');
    const defaults = (await defaultBindings()).filter((b) => !b.command.startsWith('sessionTree.') && !b.command.startsWith('-'));
    assert.ok(defaults.length > 500, `only ${defaults.length} default keybindings were read`);
    const taken = new Map(defaults.map((b) => [normal(b.key), b.command]));
    const chords = defaults.filter((b) => b.key.includes(' '));
    const prefixes = new Map(chords.map((b) => [normal(b.key).split(' ')[0]!, b.command]));
    for (const b of ours) {
      const key = normal(b.key);
      assert.equal(taken.get(key), undefined, `${b.key} (${b.command}) is VS Code's shortcut for ${taken.get(key)}`);
      const [first, second] = key.split(' ');
      // A chord starts with a key VS Code already uses as a chord's start (so adding one changes
      // nothing about that key), or with one free of any shortcut; a single key starts no chord.
      if (second && !prefixes.has(first!)) assert.equal(taken.get(first!), undefined, `${b.key}: its first key is VS Code's shortcut for ${taken.get(first!)}`);
      else assert.equal(prefixes.get(key), undefined, `${b.key} starts VS Code's chord for ${prefixes.get(key)}`);
    }
  });
});
