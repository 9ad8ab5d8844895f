// The history graph's page: a strict Content Security Policy (nothing from outside, one nonce'd
// script, the extension's own stylesheet), the script and CSS as files of the extension.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function graphHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'graphView.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'graph.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>History Graph</title>
</head>
<body>
<div id="toolbar">
  <span id="title">Loading the history…</span>
  <input id="filter" type="search" aria-label="Filter checkpoints" placeholder="Filter: words, label: file: tool: prompt: command: source:agent after:2d before:2026-01-31">
  <span id="count" aria-live="polite"></span>
</div>
<div id="main">
  <div id="list" role="listbox" tabindex="0" aria-label="Checkpoints, newest first"><div id="spacer"></div></div>
  <div id="details" aria-live="polite"></div>
</div>
<div id="menu" role="menu" hidden></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
