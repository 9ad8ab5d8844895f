// Whether Session Tree records in this workspace: Pause Recording / Resume Recording. The state is
// kept per workspace (workspaceState), so a paused workspace opens paused. While paused, capture
// (capture.ts) takes nothing by itself — no watcher events, editor saves, terminal commands, agent
// turns or external-change checkpoints. Create Checkpoint and restores still work (their walk
// takes what changed meanwhile). On resume the folders are walked and what changed while paused
// becomes one "Changes while paused" checkpoint.
import * as vscode from 'vscode';
import { setContext } from './contextKeys';
import { ContextKeys } from './ids';
import { Disposable } from './lifecycle';

const STATE_KEY = 'sessionTree.recordingPaused';

export const PAUSED_LABEL = 'Changes while paused';

export class Recording extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<boolean>());
  /** Fires with the new `paused` state. */
  readonly onDidChange = this.changed.event;
  private state: boolean;

  constructor(private readonly memento: vscode.Memento) {
    super();
    this.state = memento.get<boolean>(STATE_KEY, false) === true;
    setContext(ContextKeys.paused, this.state);
  }

  get paused(): boolean {
    return this.state;
  }

  /** Sets and keeps the state; false when it already was. */
  async set(paused: boolean): Promise<boolean> {
    if (paused === this.state) return false;
    this.state = paused;
    setContext(ContextKeys.paused, paused);
    await this.memento.update(STATE_KEY, paused);
    this.changed.fire(paused);
    return true;
  }
}
