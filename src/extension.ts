// Extension entry: wires the VS Code layer (src/vscode) to the engine worker (src/host). Nothing
// else happens here; every registration is disposed with the extension.
import * as vscode from 'vscode';
import type { SessionTreeApi } from './api';
import { startEngine } from './host/client';
import { Capture } from './vscode/capture';
import { registerCommands } from './vscode/commands';
import { EngineHost } from './vscode/engineHost';
import { ExternalSeal } from './vscode/externalSeal';
import { Views } from './vscode/ids';
import { Log } from './vscode/log';
import { createApi } from './vscode/publicApi';
import { RestorePreview } from './vscode/preview';
import { Recording } from './vscode/recording';
import { Restorer } from './vscode/restore';
import { ResultsView } from './vscode/resultsView';
import { SessionsTreeProvider } from './vscode/sessionsTree';
import { affectsTracking } from './vscode/settings';
import { SnapshotFileSystem } from './vscode/snapshots';
import { StatusBar } from './vscode/statusBar';
import { StorageMaintenance } from './vscode/storageMaintenance';
import { TerminalSessions } from './vscode/terminal/bindings';
import { TerminalCapture } from './vscode/terminal/terminalCapture';
import { CommandRecordView } from './vscode/terminal/recordView';

let host: EngineHost | undefined;

export function activate(context: vscode.ExtensionContext): SessionTreeApi {
  const activated = Date.now();
  const subs = context.subscriptions;
  const log = new Log();
  subs.push(log);

  host = new EngineHost(context, startEngine, log);
  subs.push(host);
  const recording = new Recording(context.workspaceState);
  subs.push(recording);
  const capture = new Capture(host, log, recording);
  subs.push(capture);
  const terminals = { sessions: new TerminalSessions(host, capture, log), view: new CommandRecordView(host) };
  subs.push(terminals.sessions, terminals.view, new TerminalCapture(host, capture, terminals.sessions, log));
  subs.push(new ExternalSeal(capture, host, log, recording));
  subs.push(new SnapshotFileSystem(host));

  const tree = new SessionsTreeProvider(host, log);
  subs.push(tree);
  const maintenance = new StorageMaintenance(host, log);
  subs.push(maintenance, maintenance.onDidMaintain(() => tree.invalidateStorage()));
  const sessionsView = vscode.window.createTreeView(Views.sessions, { treeDataProvider: tree, showCollapseAll: true });
  subs.push(sessionsView);
  host.paint.viewVisible = () => sessionsView.visible;
  tree.attach(sessionsView);
  const results = new ResultsView(host, log);
  subs.push(results);
  subs.push(new StatusBar(host, log, sessionsView, recording));

  const preview = new RestorePreview();
  subs.push(preview);
  const restorer = new Restorer(host, capture, results, log, preview);
  const titles = new Map<string, string>(
    ((context.extension.packageJSON as { contributes?: { commands?: { command: string; title: string }[] } }).contributes?.commands ?? []).map(
      (c) => [c.command, c.title.replace(/…$/, '')],
    ),
  );
  subs.push(...registerCommands({ host, log, capture, restorer, tree, results, titles, terminals, recording }));

  subs.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsTracking(e)) void host?.updateOptions().catch((err) => log.error('Applying settings failed', err));
    }),
  );
  subs.push(host.onDidChangeState((state) => state === 'ready' && void results.reload()));

  host.start();
  const api = createApi(host, capture, restorer, subs, terminals.sessions);
  log.info(`Activated in ${Date.now() - activated} ms.`);
  return api;
}

/** Closes the store so the database is saved before the extension host exits. */
export async function deactivate(): Promise<void> {
  await host?.close();
  host = undefined;
}
