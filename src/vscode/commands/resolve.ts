// What a command acts on, resolved in one place and always in the same order: the tree node it was
// invoked on, else its arguments object (tasks, keybindings, tests, agents: never prompts, a missing
// key is an error), else a quick pick (the palette). A cancelled prompt throws `Cancelled`, which the
// wrapper swallows.
import * as vscode from 'vscode';
import type { EngineApi } from '../../core/engineApi';
import type { SessionInfo } from '../../core/types';
import { pickBranch, pickCheckpoint, pickSession } from '../picks';
import { isResultFileNode, type ResultFileNode } from '../resultsView';
import { isSessionsNode, type SessionsNode } from '../sessionsTree';

export type Node = SessionsNode | ResultFileNode;
export type Args = Record<string, unknown>;

/** What a command was invoked with: a tree node, an arguments object, or nothing (palette). */
export type Invocation = { node: Node; args?: undefined } | { node?: undefined; args: Args } | { node?: undefined; args?: undefined };

/** Invoked with nothing: resolving asks the person. */
export const PALETTE: Invocation = {};

export function invocation(first: unknown): Invocation {
  if (isSessionsNode(first) || isResultFileNode(first)) return { node: first };
  if (first === undefined || first === null) return {};
  if (typeof first === 'object' && !(first instanceof vscode.Uri)) return { args: first as Args };
  // Scalars (a checkpoint id, a branch name, a count) and URIs are shorthand for the main argument.
  return { args: { value: first } };
}

/** The person dismissed a prompt: the command ends quietly. */
export class Cancelled extends Error {}

export function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

/** The first of `keys` that holds a non-empty string. */
export function str(args: Args | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = args?.[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export function missing(what: string): Error {
  return Object.assign(new Error(`Missing argument: ${what}.`), { code: 'invalid-argument' });
}

export function raise(error: Error): never {
  throw error;
}

/** Keys that hold files in an arguments object (`{uris}`, `{uri}`, …), in the order they are looked at. */
const FILE_KEYS = ['uris', 'uri', 'paths', 'path', 'value'];

/** File system paths from the first of `keys` that is set: URIs, `file://` strings or paths, one or a list. */
export function filePaths(args: Args | undefined, keys: readonly string[] = FILE_KEYS): string[] {
  let raw: unknown;
  for (const k of keys) {
    raw = args?.[k];
    if (raw !== undefined && raw !== null) break;
  }
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((u) => {
    if (u instanceof vscode.Uri) return u.fsPath;
    if (typeof u === 'string') return u.includes('://') ? vscode.Uri.parse(u).fsPath : u;
    throw Object.assign(new Error('Expected file URIs or absolute paths.'), { code: 'invalid-argument' });
  });
}

/** The active editor's file, for palette flows that act on "this file". */
export function activeFile(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === 'file' ? uri : undefined;
}

export interface SessionChoice {
  id: string;
  /** Set when a person chose it (tree node or pick); not for an arguments object. */
  info?: SessionInfo;
}

/** Resolves the checkpoint, branch or session a command acts on. `title` is the quick pick's title. */
export class Resolve {
  constructor(private readonly engine: () => Promise<EngineApi>) {}

  /** A checkpoint node or a checkpoint's file node, else `{checkpointId}` (or `keys`), else a pick. */
  async checkpoint(inv: Invocation, title: string, keys: readonly string[] = ['checkpointId', 'id', 'value']): Promise<string> {
    if (inv.node?.kind === 'checkpoint') return inv.node.checkpoint.id;
    if (inv.node?.kind === 'file') return inv.node.checkpointId;
    if (inv.args) return str(inv.args, ...keys) ?? raise(missing('checkpointId'));
    return need(await pickCheckpoint(await this.engine(), { title })).id;
  }

  /** A branch node, else `{branch}` (or `keys`), else a pick of the active session's branches. */
  async branch(inv: Invocation, title: string, options: { keys?: readonly string[]; excludeActive?: boolean } = {}): Promise<string> {
    if (inv.node?.kind === 'branch') return inv.node.branch.name;
    if (inv.args) return str(inv.args, ...(options.keys ?? ['branch', 'name', 'value'])) ?? raise(missing('branch'));
    return need(await pickBranch(await this.engine(), { title, excludeActive: options.excludeActive })).name;
  }

  /**
   * A session node, else `{sessionId}` (or `keys`; with `orActive` the active session when neither is
   * given), else a pick.
   */
  async session(
    inv: Invocation,
    title: string,
    options: { keys?: readonly string[]; excludeActive?: boolean; orActive?: boolean } = {},
  ): Promise<SessionChoice> {
    if (inv.node?.kind === 'session') return { id: inv.node.session.id, info: inv.node.session };
    if (inv.args) {
      const given = str(inv.args, ...(options.keys ?? ['sessionId', 'id', 'value']));
      const id = given ?? (options.orActive ? (await (await this.engine()).activeSession())?.id : undefined);
      return { id: id ?? raise(missing('sessionId')) };
    }
    const info = need(await pickSession(await this.engine(), { title, excludeActive: options.excludeActive }));
    return { id: info.id, info };
  }
}
