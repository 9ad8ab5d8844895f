// A window whose store is read-only (another window holds its lock, or the store could not be
// written): says so once, sets the context key the menus use, and while locked out looks every few
// seconds whether the lock came free, then asks for a writable reopen.
import * as nodeFs from 'node:fs';
import * as vscode from 'vscode';
import { lockAvailable } from '../core/lock';
import { setContext } from './contextKeys';
import { ContextKeys } from './ids';
import { Disposable } from './lifecycle';
import type { Log } from './log';

/** Why this window's store is read-only; `lockedOut`: another window holds it (this one takes over when it closes). */
export interface ReadOnlyState {
  reason: string;
  lockedOut: boolean;
}

/** How often a window locked out of its store looks whether the other window let go of it (ms). */
export const LOCK_POLL_MS = 3000;

export class ReadOnlyWindow extends Disposable {
  private _state: ReadOnlyState | undefined;
  private readonly emitter = this.register(new vscode.EventEmitter<ReadOnlyState | undefined>());
  /** The store became read-only (or writable again), with why. */
  readonly onDidChange = this.emitter.event;
  private lockPoll: NodeJS.Timeout | undefined;
  /** The read-only message was shown in this window (once); a takeover is announced after it. */
  private told = false;

  constructor(
    private readonly log: Log,
    /** The store folder whose lock is polled. */
    private readonly storeDir: () => string | undefined,
    /** Asked for when the lock came free; `busy`: an open is running (the poll waits for it). */
    private readonly reopen: (reason: string) => void,
    private readonly busy: () => boolean,
  ) {
    super();
    this.register({ dispose: () => this.stopPoll() });
  }

  get state(): ReadOnlyState | undefined {
    return this._state;
  }

  set(state: ReadOnlyState | undefined): void {
    const was = this._state;
    if (was?.reason === state?.reason && was?.lockedOut === state?.lockedOut) return;
    this._state = state;
    setContext(ContextKeys.readOnly, !!state);
    this.emitter.fire(state);
    if (state?.lockedOut) this.poll();
    else this.stopPoll();
    if (state) {
      this.log.warn(`The store is read-only in this window: ${state.reason}.`);
      if (!this.told) {
        this.told = true;
        const then = state.lockedOut ? ' This window starts recording by itself once that window closes.' : '';
        void vscode.window.showInformationMessage(`Session Tree is read-only in this window: ${state.reason}.${then}`);
      }
    } else if (was?.lockedOut) {
      this.log.info('The other window let go of the store: this window records changes now.');
      void vscode.window.showInformationMessage('Session Tree records changes in this window now (the other window closed this workspace\'s store).');
    }
  }

  /** Locked out: looks every few seconds whether the lock is free (or stale), then reopens writable. */
  private poll(): void {
    this.stopPoll();
    const dir = this.storeDir();
    if (!dir) return;
    this.lockPoll = setInterval(() => {
      if (!this._state?.lockedOut || this.busy()) return;
      if (!lockAvailable(nodeFs, dir)) return;
      this.stopPoll();
      this.reopen('the other window closed this workspace\'s store');
    }, LOCK_POLL_MS);
  }

  stopPoll(): void {
    if (this.lockPoll) clearInterval(this.lockPoll);
    this.lockPoll = undefined;
  }
}
