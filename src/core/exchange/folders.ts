// Which open workspace folder each folder of an export lands in. An export's file keys are
// `<its store's folder key>/<path>`; another store's folders have other keys (and often other
// names: `myproj` exported, `myproj-checkout` open), so an import rewrites every key's folder
// part to the open folder it is mapped onto. Pure: no engine state.
//
// The order of the rules: what the caller chose; then the same display name (and key, when two
// folders share a name); then the same key; a single folder exported onto a single folder open.
// Whatever is left needs a choice: the import refuses until it has one for every folder
// (an open folder, or null: "do not map, its files are skipped").
import { EngineError } from '../types';
import type { ExportFolder } from './format';

/** An open workspace folder as the engine has it (`RootFolder`): `name` is its store key, `label` its display name. */
export interface OpenFolder {
  name: string;
  label?: string;
}

export type FolderRule = 'chosen' | 'name' | 'key' | 'single';

/** Where one folder of an export goes: `to` is the open folder's key, or null (its files are skipped). */
export interface FolderMapping {
  /** The export's folder key and display name. */
  from: string;
  fromName: string;
  to: string | null;
  /** The open folder's display name (null when not mapped). */
  toName: string | null;
  how: FolderRule;
}

/** What a caller may pass: export folder (key or display name) → open folder (key or display name), or null. */
export type FolderChoice = Record<string, string | null>;

const labelOf = (o: OpenFolder) => o.label ?? o.name;
const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

function refuse(why: string): never {
  throw new EngineError('invalid-argument', `${why} Nothing was imported.`);
}

/**
 * Maps the export's folders onto the open ones. Throws (naming the problem) for a choice that names
 * a folder the export does not have or one that is not open, or maps two folders onto one.
 * `unmatched` lists the export folders nothing decided: the import needs a choice for each.
 */
export function mapFolders(exported: ExportFolder[], open: OpenFolder[], choice?: FolderChoice): { mapped: FolderMapping[]; unmatched: ExportFolder[] } {
  const decided = new Map<string, FolderMapping>();
  const taken = new Map<string, string>(); // open key → export key
  const take = (f: ExportFolder, to: OpenFolder | null, how: FolderRule) => {
    if (to) {
      const other = taken.get(to.name);
      if (other !== undefined) {
        refuse(`Two folders of the export (${quote(exportName(exported, other))} and ${quote(f.name)}) would both go into the open folder ${quote(labelOf(to))}; map each onto a different folder, or one of them to null (not mapped).`);
      }
      taken.set(to.name, f.key);
    }
    decided.set(f.key, { from: f.key, fromName: f.name, to: to?.name ?? null, toName: to ? labelOf(to) : null, how });
  };

  if (choice !== undefined) {
    if (typeof choice !== 'object' || choice === null || Array.isArray(choice)) refuse('The folder mapping must be an object: { "<export folder>": "<open folder>" | null }.');
    for (const [from, to] of Object.entries(choice)) {
      const f = findExported(exported, from);
      if (decided.has(f.key)) refuse(`The folder mapping names the export's folder ${quote(f.name)} twice.`);
      if (to === null) {
        take(f, null, 'chosen');
        continue;
      }
      if (typeof to !== 'string') refuse(`The folder mapping for ${quote(from)} is not the name of an open folder or null.`);
      take(f, findOpen(open, to), 'chosen');
    }
  }

  const chosen = new Set(taken.keys());
  const free = (o: OpenFolder) => !taken.has(o.name) || chosen.has(o.name);
  const rules: { how: FolderRule; fits: (f: ExportFolder, o: OpenFolder) => boolean }[] = [
    { how: 'name', fits: (f, o) => f.name === labelOf(o) && f.key === o.name },
    { how: 'name', fits: (f, o) => f.name === labelOf(o) },
    { how: 'key', fits: (f, o) => f.key === o.name },
  ];
  for (const rule of rules) {
    const left = exported.filter((f) => !decided.has(f.key));
    const fits = new Map(left.map((f) => [f.key, open.filter((o) => free(o) && rule.fits(f, o))]));
    for (const f of left) {
      const c = fits.get(f.key)!;
      // Only where it is unambiguous both ways: one open folder fits, and no other export folder fits it.
      // A folder the caller gave to another export folder is an error (take says which), not a reason to look further.
      if (c.length === 1 && left.every((g) => g === f || !fits.get(g.key)!.includes(c[0]))) take(f, c[0], rule.how);
    }
  }
  if (exported.length === 1 && open.length === 1 && decided.size === 0) take(exported[0], open[0], 'single');
  return { mapped: exported.filter((f) => decided.has(f.key)).map((f) => decided.get(f.key)!), unmatched: exported.filter((f) => !decided.has(f.key)) };
}

function exportName(exported: ExportFolder[], key: string): string {
  return exported.find((f) => f.key === key)?.name ?? key;
}

/** An export folder named by its key, or by its display name when that is unique. */
function findExported(exported: ExportFolder[], from: string): ExportFolder {
  const byKey = exported.find((f) => f.key === from);
  if (byKey) return byKey;
  const byName = exported.filter((f) => f.name === from);
  if (byName.length === 1) return byName[0];
  const list = exported.map((f) => (f.name === f.key ? quote(f.name) : `${quote(f.name)} (key ${quote(f.key)})`)).join(', ');
  if (byName.length > 1) refuse(`The export has ${byName.length} folders named ${quote(from)}; name it by its key instead (its folders: ${list}).`);
  return refuse(`The folder mapping names ${quote(from)}, which is not a folder of the export (its folders: ${list}).`);
}

/** An open folder named by its key, or by its display name when that is unique. */
function findOpen(open: OpenFolder[], to: string): OpenFolder {
  const byKey = open.find((o) => o.name === to);
  if (byKey) return byKey;
  const byName = open.filter((o) => labelOf(o) === to);
  if (byName.length === 1) return byName[0];
  const list = open.map((o) => quote(labelOf(o))).join(', ') || 'none';
  if (byName.length > 1) refuse(`${byName.length} open folders are named ${quote(to)}; name it by its key instead (${open.map((o) => `${quote(labelOf(o))}: ${quote(o.name)}`).join(', ')}).`);
  return refuse(`The folder mapping names ${quote(to)}, which is not an open workspace folder (open: ${list}).`);
}

/** The message when some export folders were matched by nothing and the caller chose nothing for them. */
export function unmatchedError(unmatched: ExportFolder[], open: OpenFolder[]): EngineError {
  const names = unmatched.map((f) => quote(f.name)).join(', ');
  const openList = open.map((o) => quote(labelOf(o))).join(', ') || 'none';
  return new EngineError(
    'invalid-argument',
    `The export's folder${unmatched.length > 1 ? 's' : ''} ${names} match${unmatched.length > 1 ? '' : 'es'} no open workspace folder (open: ${openList}). ` +
      `Choose where each goes: folders: { ${quote(unmatched[0].name)}: "<open folder>" } — or null to import without it (its files are skipped on restore). Nothing was imported.`,
  );
}

const NOT_MAPPED = / \(not mapped(?: (\d+))?\)$/;

/**
 * The key an unmapped folder's files are kept under: never the key of an open folder, and marked
 * so a restore can say why they are skipped (`notOpenReason`). History keeps them (a re-export
 * carries them on); no restore writes them while no open folder has that key.
 */
export function unmappedKey(f: ExportFolder, used: ReadonlySet<string>): string {
  const base = f.name.replace(/[\\/\0]/g, '_').replace(/^[. ]+$/, '_').replace(/^([A-Za-z]):/, '$1_').slice(0, 200);
  for (let i = 1; ; i++) {
    const key = `${base} (not mapped${i > 1 ? ` ${i}` : ''})`;
    if (!used.has(key)) return key;
  }
}

/** The display name an unmapped folder had in its export (undefined: not such a key). */
export function unmappedName(folderKey: string): string | undefined {
  const m = NOT_MAPPED.exec(folderKey);
  return m ? folderKey.slice(0, m.index) : undefined;
}

/** Why a file whose folder key is not open is skipped: an unmapped imported folder says so. */
export function notOpenReason(folderKey: string): string {
  const m = NOT_MAPPED.exec(folderKey);
  if (m) {
    return `it is in the folder "${folderKey.slice(0, m.index)}" of an imported session, which was not mapped to an open folder (import the session again to choose one)`;
  }
  return `its workspace folder "${folderKey}" is not open`;
}
