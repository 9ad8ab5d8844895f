// Every operation that writes files goes through here: flush pending changes, (when a person asked)
// confirm with an optional preview, restore with unsaved buffers as the conflict check, show results.
import * as vscode from 'vscode';
import type { RestorePlan, RestoreResult, RestoreTarget } from '../core/types';
import type { Capture } from './capture';
import { openPlan, openRestoreChanges } from './diffs';
import type { EngineHost } from './engineHost';
import { describeTarget, plural } from './format';
import { Commands } from './ids';
import type { Log } from './log';
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
};

export class Restorer {
  constructor(
    private readonly host: EngineHost,
    private readonly capture: Capture,
    private readonly results: ResultsView,
    private readonly log: Log,
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
      if (!(await this.confirm(plan))) {
        this.log.info(`${describeTarget(plan)}: cancelled.`);
        return undefined;
      }
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

  private async confirm(plan: RestorePlan): Promise<boolean> {
    const writes = plan.entries.filter((e) => e.action === 'write').length;
    const removes = plan.entries.filter((e) => e.action === 'remove').length;
    const skips = plan.entries.filter((e) => e.action === 'skip').length;
    if (writes + removes === 0) return true;
    const verb = VERBS[plan.target.kind];
    const what = describeTarget(plan);
    const parts = [
      writes ? `${plural(writes, 'file')} will be written` : '',
      removes ? `${plural(removes, 'file')} removed` : '',
    ].filter(Boolean);
    const detail = [
      `${parts.join(' and ')}.`,
      skips ? `${plural(skips, 'file')} will be skipped (${plan.entries.find((e) => e.action === 'skip')?.reason ?? 'see the results'}).` : '',
      'Your current files are kept in a safety checkpoint first; "Undo Last Restore" brings them back.',
    ]
      .filter(Boolean)
      .join('\n');
    const choice = await vscode.window.showWarningMessage(`${what}?`, { modal: true, detail }, verb, 'Preview');
    if (choice === verb) return true;
    if (choice !== 'Preview') return false;
    await openPlan(plan, what);
    // Not modal, so the previewed diffs stay usable while deciding.
    const after = await vscode.window.showInformationMessage(`Preview of "${what}": ${parts.join(', ')}.`, verb, 'Cancel');
    return after === verb;
  }

  private logResult(result: RestoreResult): void {
    this.log.info(resultsSummaryMessage(result));
    for (const f of result.files) this.log.info(`  ${f.status.padEnd(8)} ${f.path}${f.reason ? ` — ${f.reason}` : ''}`);
  }

  private async announce(result: RestoreResult): Promise<void> {
    if (result.files.length > 0) await this.results.reveal();
    const problems = result.files.some((f) => f.status === 'skipped' || f.status === 'failed');
    const show = problems ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const actions = result.files.length > 0 ? ['Open Changes', 'Undo'] : ['Undo'];
    const choice = await show(resultsSummaryMessage(result), ...actions);
    if (choice === 'Open Changes') await openRestoreChanges(result);
    else if (choice === 'Undo') await vscode.commands.executeCommand(Commands.undoLastRestore);
  }
}
