// The words of a restore's confirmation: which files it writes, removes and skips (and why), which
// of them have unsaved edits, and where the newer checkpoints stay. Pure text from the plan, so the
// modal, the preview and the tests read the same sentences.
import type { PlanEntry, RestorePlan } from '../core/types';
import { displayPath, plural } from './format';

/** How many file names a list shows before "and N more". */
export const NAMES_SHOWN = 6;

export interface PlanSummary {
  writes: PlanEntry[];
  removes: PlanEntry[];
  skips: PlanEntry[];
  /** Files the restore would write or remove whose editor has unsaved edits. */
  dirty: PlanEntry[];
}

export function summarize(plan: RestorePlan, dirtyPaths: ReadonlySet<string>): PlanSummary {
  const writes = plan.entries.filter((e) => e.action === 'write');
  const removes = plan.entries.filter((e) => e.action === 'remove');
  const skips = plan.entries.filter((e) => e.action === 'skip');
  const dirty = [...writes, ...removes].filter((e) => dirtyPaths.has(e.path));
  return { writes, removes, skips, dirty };
}

/** "a.txt, src/b.ts and 3 more" in the names people see. */
export function nameList(entries: readonly PlanEntry[], multiRoot: boolean, shown = NAMES_SHOWN): string {
  const names = entries.slice(0, shown).map((e) => displayPath(e.key, multiRoot));
  const more = entries.length - names.length;
  return more > 0 ? `${names.join(', ')} and ${more} more` : names.join(', ');
}

/** Skips grouped by reason: "big.bin (larger than 5 MB); x.txt, y.txt (its folder is not open)". */
function skipList(skips: readonly PlanEntry[], multiRoot: boolean): string {
  const byReason = new Map<string, PlanEntry[]>();
  for (const e of skips) {
    const reason = e.reason ?? 'see the results';
    byReason.set(reason, [...(byReason.get(reason) ?? []), e]);
  }
  return [...byReason].map(([reason, entries]) => `${nameList(entries, multiRoot, 3)} (${reason})`).join('; ');
}

/**
 * The confirmation's detail, one fact per line. `newer`: checkpoints after the target on the line
 * being left (rewind / roll back), which stay in the tree.
 */
export function confirmationDetail(summary: PlanSummary, options: { multiRoot: boolean; newer?: number }): string {
  const { writes, removes, skips, dirty } = summary;
  const m = options.multiRoot;
  const lines = [
    writes.length ? `Writes ${plural(writes.length, 'file')}: ${nameList(writes, m)}.` : '',
    removes.length ? `Removes ${plural(removes.length, 'file')}: ${nameList(removes, m)}.` : '',
    skips.length ? `Skips ${plural(skips.length, 'file')}: ${skipList(skips, m)}.` : '',
    dirty.length
      ? `${plural(dirty.length, 'file has', 'files have')} unsaved edits: ${nameList(dirty, m)}. ${dirty.length === 1 ? 'Save it first, discard its edits, or skip it.' : 'Save them first, discard their edits, or skip them.'}`
      : '',
    options.newer
      ? `${options.newer === 1 ? 'The newer checkpoint stays in the tree as a line of its own' : `The ${options.newer} newer checkpoints stay in the tree as a line of their own`} from here, still restorable; new work starts a new line.`
      : '',
    'Your current files are kept in a safety checkpoint first: "Undo Last Restore" brings them back.',
  ];
  return lines.filter(Boolean).join('\n');
}

/** What a person chose for files with unsaved edits before a restore writes them. */
export type DirtyChoice = 'save' | 'discard' | 'skip';
