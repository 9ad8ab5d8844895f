// The store location in the window: reads `sessionTree.storage.location`, moves the store with
// progress when it changed (storageLocation.ts does the move), and tells the user what happened.
import * as nodeFs from 'node:fs';
import * as vscode from 'vscode';
import { lockAvailable } from '../core/lock';
import { Settings } from './ids';
import type { Log } from './log';
import { engineInspector, placeStore, type StartStoreEngine } from './storageLocation';
import type { StoreRegistry } from './storeFolder';

export class StoreLocations {
  /** Placements run one at a time: a restart during a move waits for it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly registry: () => StoreRegistry, private readonly log: Log) {}

  /** The store folder to open (after moving the store where the setting says, if it must move). */
  place(defaultDir: string, folders: readonly string[], start: StartStoreEngine): Promise<string> {
    const run = this.queue.then(() => this.doPlace(defaultDir, folders, start));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doPlace(defaultDir: string, folders: readonly string[], start: StartStoreEngine): Promise<string> {
    const setting = vscode.workspace.getConfiguration(Settings.section).get<unknown>(Settings.storageLocation, '');
    let finish: (() => void) | undefined;
    let report: ((message: string) => void) | undefined;
    // A notification only once something moves (placing the store is usually a lookup).
    const progress = (message: string) => {
      if (!report) {
        let reporter: vscode.Progress<{ message?: string }> | undefined;
        let pending = message;
        report = (m) => (reporter ? reporter.report({ message: m }) : (pending = m));
        void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Session Tree: moving the store' }, (p) => {
          reporter = p;
          p.report({ message: pending });
          return new Promise<void>((resolve) => (finish = resolve));
        });
      }
      report(message);
    };
    try {
      const placed = await placeStore({
        registry: this.registry(), defaultDir, folders, setting, inspect: engineInspector(start),
        isFree: (dir) => lockAvailable(nodeFs, dir), log: (m) => this.log.warn(m), progress,
      });
      if (placed.moved) {
        this.log.info(`The store moved from ${placed.moved.from} to ${placed.moved.to} (copied, verified, the old folder removed).`);
        void vscode.window.showInformationMessage(`Session Tree moved its store to ${placed.moved.to}.`);
      }
      if (placed.error) {
        this.log.warn(placed.error);
        void vscode.window.showErrorMessage(`Session Tree: ${placed.error}`);
      }
      return placed.dir;
    } finally {
      finish?.();
    }
  }
}
