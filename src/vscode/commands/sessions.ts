// Commands on sessions: new, switch, rename, edit tags, fork from a checkpoint, delete (export and import: store.ts).
import * as vscode from 'vscode';
import { plural } from '../format';
import { Commands } from '../ids';
import { askText } from '../picks';
import type { CommandContext, CommandTable } from './command';
import { missing, need, raise, str } from './resolve';

export function sessionCommands(c: CommandContext) {
  const { engine, resolve } = c;

  return {
    [Commands.newSession]: async (inv) => {
      const e = await engine();
      let title = str(inv.args, 'title', 'value');
      if (!inv.args) {
        title = need(await askText({ title: 'New Session', prompt: 'Title of the new session (leave empty for a default title)', allowEmpty: true }));
      }
      const session = await e.newSession(title ? { title } : {});
      if (!inv.args) vscode.window.setStatusBarMessage(`$(history) Session "${session.title}" started`, 4000);
      return session;
    },

    [Commands.switchSession]: async (inv) => {
      const e = await engine();
      const { id } = await resolve.session(inv, 'Switch Session', { excludeActive: true });
      await e.switchSession(id);
      if (!inv.args) vscode.window.setStatusBarMessage('$(history) Switched session; files were not changed', 4000);
      return undefined;
    },

    [Commands.renameSession]: async (inv) => {
      const e = await engine();
      // `value` is the new title here, not the session.
      const { id, info } = await resolve.session(inv, 'Rename Session', { keys: ['sessionId', 'id'], orActive: true });
      const title = inv.args
        ? (str(inv.args, 'title', 'value') ?? raise(missing('title')))
        : need(await askText({ title: 'Rename Session', prompt: 'New title of the session', value: info?.title }));
      await e.renameSession(id, title);
      return undefined;
    },

    // Tags as one comma-separated line (a tag holds no comma); `{sessionId, tags: [...]}` sets them as given.
    [Commands.editSessionTags]: async (inv) => {
      const e = await engine();
      const { id, info } = await resolve.session(inv, 'Edit Tags', { keys: ['sessionId', 'id'], orActive: true });
      let tags: string[];
      if (inv.args) {
        const raw = inv.args.tags ?? inv.args.value;
        if (!Array.isArray(raw) || !raw.every((t) => typeof t === 'string')) throw Object.assign(new Error('tags must be a list of strings.'), { code: 'invalid-argument' });
        tags = raw as string[];
      } else {
        const line = need(
          await askText({
            title: `Edit Tags of "${info?.title ?? 'session'}"`,
            prompt: 'Tags, separated by commas (leave empty for none)',
            placeHolder: 'e.g. refactor, agent, review',
            value: (info?.tags ?? []).join(', '),
            allowEmpty: true,
          }),
        );
        tags = line.split(',').map((t) => t.trim()).filter(Boolean);
      }
      await e.setSessionTags(id, tags);
      if (!inv.args) vscode.window.setStatusBarMessage(`$(tag) ${tags.length ? `Tags: ${tags.join(', ')}` : 'Tags removed'}`, 4000);
      return undefined;
    },

    [Commands.forkSession]: async (inv) => {
      const e = await engine();
      const checkpointId = await resolve.checkpoint(inv, 'Fork Session from Checkpoint');
      let title = str(inv.args, 'title');
      if (!inv.args) {
        const from = inv.node?.kind === 'checkpoint' ? inv.node.session.title : ((await e.activeSession())?.title ?? 'session');
        title = need(await askText({ title: 'Fork Session from Here', prompt: 'Title of the new session', value: `Fork of ${from}` }));
      }
      const session = await e.forkSession(checkpointId, title ? { title } : {});
      if (!inv.args && !session.active) {
        const choice = await vscode.window.showInformationMessage(`Session "${session.title}" forked. Switch to it? Files are not changed.`, 'Switch');
        if (choice === 'Switch') await e.switchSession(session.id);
      }
      return session;
    },

    [Commands.deleteSession]: async (inv) => {
      const e = await engine();
      const { id, info } = await resolve.session(inv, 'Delete Session');
      // Chosen by a person (tree node or pick): confirm first.
      if (info) {
        const choice = await vscode.window.showWarningMessage(
          `Delete session "${info.title}"?`,
          { modal: true, detail: `Its ${plural(info.checkpointCount, 'checkpoint')} and branches are deleted from the store. Files in the workspace are not touched.` },
          'Delete',
        );
        if (choice !== 'Delete') return undefined;
      }
      await e.deleteSession(id);
      return undefined;
    },

  } satisfies CommandTable;
}
