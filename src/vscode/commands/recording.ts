// Pause Recording / Resume Recording (the state: ../recording.ts). Pausing first seals what is
// pending as whose it is; resuming walks the folders and seals what changed while paused as one
// checkpoint. Both return the state they leave, and Resume the checkpoint it made, for callers
// with an arguments object.
import * as vscode from 'vscode';
import type { CheckpointInfo } from '../../core/types';
import { Commands } from '../ids';
import { PAUSED_LABEL } from '../recording';
import { plural } from '../words';
import type { CommandContext, CommandTable } from './command';

export function recordingCommands(c: CommandContext) {
  return {
    [Commands.pauseRecording]: async (inv) => {
      if (!c.recording.paused) {
        if (c.host.current && !c.host.readOnly) await c.capture.sealPending();
        await c.recording.set(true);
        if (!inv.args) vscode.window.setStatusBarMessage('$(debug-pause) Session Tree: recording paused', 4000);
      }
      return { paused: true };
    },

    [Commands.resumeRecording]: async (inv) => {
      let checkpoint: CheckpointInfo | undefined;
      if (c.recording.paused) {
        await c.recording.set(false);
        if (!c.host.readOnly) checkpoint = await c.capture.seal({ source: 'external', label: PAUSED_LABEL }, { settle: true });
        if (!inv.args) {
          const what = checkpoint ? `; ${plural(checkpoint.files.length, 'file')} changed while paused, in checkpoint "${checkpoint.label}"` : '';
          vscode.window.setStatusBarMessage(`$(record) Session Tree: recording again${what}`, 5000);
        }
      }
      return { paused: false, ...(checkpoint ? { checkpoint } : {}) };
    },
  } satisfies CommandTable;
}
