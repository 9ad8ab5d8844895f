import * as vscode from 'vscode';
import type { ContextKey } from './ids';

const current = new Map<ContextKey, unknown>();

/** `setContext`, skipped when the value did not change (each call is a round trip to the renderer). */
export function setContext(key: ContextKey, value: unknown): void {
  if (current.has(key) && current.get(key) === value) return;
  current.set(key, value);
  void vscode.commands.executeCommand('setContext', key, value);
}
