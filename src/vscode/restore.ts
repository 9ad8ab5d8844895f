// Every operation that writes files goes through here: flush pending changes, (when a person asked)
// confirm with an optional preview, restore with unsaved buffers as the conflict check, show results.
import * as vscode from 'vscode';
import type { RestorePlan, RestoreResult, RestoreTarget } from '../core/types';
import type { Capture } from './capture';
import { confirmationDetail, type DirtyChoice, summarize } from './confirmRestore';
import { openRestoreChanges } from './diffs';
import type { EngineHost } from './engineHost';
import { describeTarget, plural } from './format';
import { Commands } from './ids';
import type { Log } from './log';
import type { RestorePreview } from './preview';
import { resultsSummaryMessage, type ResultsView } from './resultsView';
import { confirmBeforeRestore } from './settings';

const samePath: (p: string) => string = process.platform === 'win32' || process.platform === 'darwin' ? (p) => p.toLowerCase() : (p) => p;

/** Absolute paths among `paths` whose editor has unsaved changes: a restore skips them. */
export function dirtyAmong(paths: string[]): string[] {
  const dirty = new Set(
    vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file').map((d) => samePath(d.uri.fsPath)),
  );
  if (dirty.size === 0) return [];
  return paths.filter((p) => dirty.has(samePath(p)));
}

const VERBS: Record<RestoreTarget['kind'], string> = {
  rewind: 'Rewind',
  rollback: 'Roll Back',
  checkout: 'Check Out',
  restoreFiles: 'Restore',
  undo: 'Undo',
  redo: 'Redo',
  revert: 'Revert',
};

export class Restorer {
  constructor(
    private readonly host: EngineHost,
    private readonly capture: Capture,
    private readonly results: ResultsView,
    private readonly log: Log,
    readonly preview: RestorePreview,
  ) {}

  /**
   * Runs a restore. `interactive`: a person asked, so confirm (with "Preview") when files will be
   * written and announce the result; otherwise (API, commands with arguments) never prompt.
   * Returns undefined when the person cancelled.
   */
  async run(target: RestoreTarget, options: { interactive: boolean }): Promise<RestoreResult | undefined> {
    const engine = await this.host.get();
    // Writes made just before the restore must be in its safety checkpoint.
    await this.capture.settle();
    if (options.interactive && confirmBeforeRestore()) {
      const plan = await engine.plan(target);
      const choice = await this.confirm(plan);
      if (!choice) {
        this.log.info(`${describeTarget(plan)}: cancelled.`);
        return undefined;
      }
      await this.settleDirty(choice, plan.entries.map((e) => e.path));
    }
    const result = await this.capture.seals.run(async () => {
      await this.capture.flush({ announced: true });
      return engine.restore(target, { isDirty: dirtyAmong });
    });
    this.logResult(result);
    this.results.show(result);
    if (options.interactive) void this.announce(result);
    return result;
  }

  /** The confirmation: what the restore does, file by file; for files with unsaved edits, Save / Discard / Skip. */
  private async confirm(plan: RestorePlan): Promise<DirtyChoice | undefined> {
    const dirtyPaths = new Set(dirtyAmong(plan.entries.map((e) => e.path)));
    const summary = summarize(plan, dirtyPaths);
    if (summary.writes.length + summary.removes.length === 0) return 'skip';
    const verb = VERBS[plan.target.kind];
    const what = describeTarget(plan);
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const detail = confirmationDetail(summary, { multiRoot, newer: await this.newerThan(plan) });
    const buttons = summary.dirty.length
      ? [`Save and ${verb}`, `Discard Edits and ${verb}`, `${verb}, Skip Unsaved`, 'Preview']
      : [verb, 'Preview'];
    const choice = await vscode.window.showWarningMessage(`${what}?`, { modal: true, detail }, ...buttons);
    if (choice === undefined) return undefined;
    if (choice === 'Preview') return this.previewThenDecide(plan, what, verb);
    if (choice.startsWith('Save and')) return 'save';
    if (choice.startsWith('Discard')) return 'discard';
    return 'skip';
  }

  /** The preview keeps Apply / Cancel in view; files that became dirty meanwhile are asked about at Apply. */
  private async previewThenDecide(plan: RestorePlan, what: string, verb: string): Promise<DirtyChoice | undefined> {
    if (!(await this.preview.show(plan, what, verb))) return undefined;
    const dirty = dirtyAmong(plan.entries.filter((e) => e.action !== 'skip').map((e) => e.path));
    if (dirty.length === 0) return 'skip';
    const detail = `${plural(dirty.length, 'file has', 'files have')} unsaved edits: ${dirty.map((p) => vscode.workspace.asRelativePath(p)).join(', ')}.`;
    const choice = await vscode.window.showWarningMessage(`${what}: unsaved edits`, { modal: true, detail }, 'Save', 'Discard Edits', 'Skip Them');
    if (choice === 'Save') return 'save';
    if (choice === 'Discard Edits') return 'discard';
    return choice === 'Skip Them' ? 'skip' : undefined;
  }

  /** Checkpoints after the target on the active line, which a rewind or roll back leaves (they stay in the tree). */
  private async newerThan(plan: RestorePlan): Promise<number | undefined> {
    if (plan.target.kind !== 'rewind' && plan.target.kind !== 'rollback') return undefined;
    try {
      const engine = await this.host.get();
      const line = await engine.checkpoints({ limit: 10_000 });
      const at = line.findIndex((c) => c.id === plan.targetId);
      return at > 0 ? at : undefined;
    } catch {
      return undefined;
    }
  }

  /** Saves or reverts the editors with unsaved edits among `paths` ('skip': the restore skips them). */
  private async settleDirty(choice: DirtyChoice, paths: string[]): Promise<void> {
    if (choice === 'skip') return;
    const dirty = new Set(dirtyAmong(paths).map(samePath));
    const docs = vscode.workspace.textDocuments.filter((d) => d.isDirty && dirty.has(samePath(d.uri.fsPath)));
    for (const doc of docs) {
      if (choice === 'save') await doc.save();
      else await revert(doc);
    }
    if (choice === 'save' && docs.length) {
      // The saved contents go into the safety checkpoint: tell the engine now rather than wait for the watcher.
      const engine = await this.host.get();
      await engine.notifyChanged(docs.map((d) => d.uri.fsPath));
    }
    const left = dirtyAmong(paths);
    if (left.length) this.log.warn(`Still unsaved after "${choice}", skipped by the restore: ${left.join(', ')}`);
  }

  private logResult(result: RestoreResult): void {
    this.log.info(resultsSummaryMessage(result));
    for (const f of result.files) this.log.info(`  ${f.status.padEnd(8)} ${f.path}${f.reason ? ` — ${f.reason}` : ''}`);
  }

  private async announce(result: RestoreResult): Promise<void> {
    if (result.files.length > 0) await this.results.reveal();
    const problems = result.files.some((f) => f.status === 'skipped' || f.status === 'failed');
    const show = problems ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    // After an undo the next step is its redo; after anything else (a redo too), its undo.
    const again = result.target.kind === 'undo' ? 'Redo' : 'Undo';
    const actions = result.files.length > 0 ? ['Open Changes', again] : [again];
    const choice = await show(resultsSummaryMessage(result), ...actions);
    if (choice === 'Open Changes') await openRestoreChanges(result);
    else if (choice === again) await vscode.commands.executeCommand(again === 'Redo' ? Commands.redoLastRestore : Commands.undoLastRestore);
  }
}

/** Discards a document's unsaved edits (VS Code's own Revert File, on that document's editor). */
async function revert(doc: vscode.TextDocument): Promise<void> {
  await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: false });
  await vscode.commands.executeCommand('workbench.action.files.revert');
}
