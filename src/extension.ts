// Extension entry: wires the VS Code layer to the engine (filled in by the extension work).
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {}

export function deactivate(): void {}
