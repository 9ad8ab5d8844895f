// Commands on branches: check out, create (at the head, at a branch's head or at a checkpoint),
// rename, delete.
import * as vscode from 'vscode';
import { Commands } from '../ids';
import { askText, validateBranchName } from '../picks';
import type { CommandContext, CommandTable } from './command';
import { missing, need, raise, str } from './resolve';

export function branchCommands(c: CommandContext) {
  const { engine, resolve, restorer } = c;

  const offerCheckout = async (branch: string, message: string) => {
    const choice = await vscode.window.showInformationMessage(message, 'Check Out');
    // The wrapper has already reported any error to the person.
    if (choice === 'Check Out') await vscode.commands.executeCommand(Commands.checkout, { branch, interactive: true }).then(undefined, () => undefined);
  };

  return {
    [Commands.checkout]: async (inv) => {
      const interactive = !inv.args || inv.args.interactive === true;
      const branch = await resolve.branch(inv, 'Check Out Branch');
      const session = await (await engine()).activeSession();
      if (interactive && session?.activeBranch === branch) {
        void vscode.window.showInformationMessage(`Branch ${branch} is already checked out.`);
        return undefined;
      }
      return restorer.run({ kind: 'checkout', branch }, { interactive });
    },

    [Commands.createBranch]: async (inv) => {
      const e = await engine();
      const existing = (await e.activeSession())?.branches.map((b) => b.name) ?? [];
      if (inv.args) {
        const name = str(inv.args, 'name', 'value') ?? raise(missing('name'));
        const from = str(inv.args, 'from');
        return e.createBranch(name, from ? { from } : {});
      }
      const from = inv.node?.kind === 'branch' ? inv.node.branch.name : undefined;
      const name = need(
        await askText({
          title: 'Create Branch',
          prompt: from ? `Name of the new branch, starting at the head of ${from}` : 'Name of the new branch, starting at the head checkpoint',
          validate: (v) => validateBranchName(v, existing),
        }),
      );
      const branch = await e.createBranch(name, from ? { from } : {});
      if (!branch.active) void offerCheckout(branch.name, `Branch ${branch.name} created. Check it out?`);
      return branch;
    },

    [Commands.branchFromHere]: async (inv) => {
      const e = await engine();
      const checkpointId = await resolve.checkpoint(inv, 'Branch from Checkpoint');
      if (inv.args) {
        const name = str(inv.args, 'name') ?? raise(missing('name'));
        return e.createBranch(name, { from: checkpointId });
      }
      const existing = (await e.activeSession())?.branches.map((b) => b.name) ?? [];
      const label = inv.node?.kind === 'checkpoint' ? inv.node.checkpoint.label : checkpointId;
      const name = need(
        await askText({ title: 'Branch from Here', prompt: `Name of the new branch, starting at "${label}"`, validate: (v) => validateBranchName(v, existing) }),
      );
      const branch = await e.createBranch(name, { from: checkpointId });
      if (!branch.active) void offerCheckout(branch.name, `Branch ${branch.name} created at "${label}". Check it out?`);
      return branch;
    },

    [Commands.renameBranch]: async (inv) => {
      const e = await engine();
      const oldName = await resolve.branch(inv, 'Rename Branch', { keys: ['branch', 'oldName', 'value'] });
      let newName: string;
      if (inv.args) newName = str(inv.args, 'newName') ?? raise(missing('newName'));
      else {
        const existing = (await e.activeSession())?.branches.map((b) => b.name).filter((n) => n !== oldName) ?? [];
        newName = need(
          await askText({ title: 'Rename Branch', prompt: `New name for branch ${oldName}`, value: oldName, validate: (v) => validateBranchName(v, existing) }),
        );
      }
      if (newName !== oldName) await e.renameBranch(oldName, newName);
      return undefined;
    },

    [Commands.deleteBranch]: async (inv) => {
      const e = await engine();
      const name = await resolve.branch(inv, 'Delete Branch', { excludeActive: true });
      if (!inv.args) {
        const choice = await vscode.window.showWarningMessage(
          `Delete branch ${name}?`,
          { modal: true, detail: 'Only the name goes: its checkpoints stay in the tree as a line growing from where the branch began. Files are not touched.' },
          'Delete',
        );
        if (choice !== 'Delete') return undefined;
      }
      await e.deleteBranch(name);
      return undefined;
    },
  } satisfies CommandTable;
}
