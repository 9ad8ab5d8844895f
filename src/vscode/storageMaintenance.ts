// Background storage maintenance: after changes go quiet (and every few minutes), one bounded pass
// of the engine's `maintain` — gc steps pack by pack, and compaction when the store is over its
// budget. The engine runs one call at a time, so a capture or restore waits at most one step.
// Over the budget with nothing left to compact, the user is told once, with the numbers.
import * as vscode from 'vscode';
import { humanBytes } from '../core/bytes';
import type { EngineHost } from './engineHost';
import { Commands, Settings } from './ids';
import { Debouncer, Disposable } from './lifecycle';
import type { Log } from './log';
import { storageBudget } from './settings';

// A pass reads every checkpoint's change list (what is referenced): not after every burst of changes.
const QUIET_MS = 60_000;
const PERIOD_MS = 10 * 60_000;

export class StorageMaintenance extends Disposable {
  private readonly quiet = this.register(new Debouncer(() => QUIET_MS, () => void this.run()));
  private running = false;
  private warned = false;
  private readonly emitter = this.register(new vscode.EventEmitter<void>());
  /** A pass changed the store (the tree's storage line repaints). */
  readonly onDidMaintain = this.emitter.event;

  constructor(
    private readonly host: EngineHost,
    private readonly log: Log,
  ) {
    super();
    this.register(host.onDidChange(() => this.quiet.schedule()));
    const timer = setInterval(() => void this.run(), PERIOD_MS);
    this.register({ dispose: () => clearInterval(timer) });
  }

  /** One pass now (also what the tests call through the command-free path). */
  async run(): Promise<void> {
    const engine = this.host.current;
    if (!engine || this.running) return;
    this.running = true;
    try {
      const r = await engine.maintain(storageBudget());
      if (r.gcSteps || r.compacted) {
        this.log.info(`Storage: freed ${humanBytes(r.freedBytes)} in ${r.gcSteps} gc step(s), compacted ${r.compacted} checkpoint(s); the store holds ${humanBytes(r.totalBytes)}.`);
        this.emitter.fire();
      }
      if (r.overBudget && !this.warned) {
        this.warned = true;
        const { totalBytes, maxSize } = r.overBudget;
        const choice = await vscode.window.showWarningMessage(
          `Session Tree's store holds ${humanBytes(totalBytes)}, over its budget of ${humanBytes(maxSize)}, and the rest is protected (recent history, labels, branch heads, session starts). Delete old sessions, or raise the budget.`,
          'Delete Sessions…',
          'Raise Budget',
        );
        if (choice === 'Delete Sessions…') await vscode.commands.executeCommand(Commands.deleteSessions);
        else if (choice === 'Raise Budget') await vscode.commands.executeCommand('workbench.action.openSettings', `${Settings.section}.${Settings.storageMaxSize}`);
      }
    } catch (e) {
      // Read-only store, closed meanwhile, a damaged snapshot: logged; the next pass tries again.
      this.log.warn(`Storage maintenance skipped: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running = false;
    }
  }
}
