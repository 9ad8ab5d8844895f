// The engine's in-memory records (interned ids, not the API's strings) and the small helpers every
// module shares for them.
import type { CheckpointSource } from './types';

/** A file version by interned blob id; blob 0 = absent. */
export interface Ver {
  blob: number;
  mode: number;
}
export const ABSENT: Ver = { blob: 0, mode: 0 };
export const sameVer = (a: Ver | undefined, b: Ver | undefined): boolean =>
  (a?.blob ?? 0) === (b?.blob ?? 0) && ((a?.blob ?? 0) === 0 || (a?.mode ?? 0) === (b?.mode ?? 0));

export interface MirrorEntry extends Ver {
  size: number;
  mtime: number;
  ino: number;
  /** The stat cannot be trusted (written within the clock's granularity of the scan): re-read next time. */
  racy: boolean;
  /** No longer tracked (excluded / too large / not a regular file); the version is the last one tracked. */
  untracked: boolean;
}

export interface CpNode {
  id: number;
  session: number;
  parent: number; // 0 = none
  createdAt: number;
  source: CheckpointSource;
  label: string;
  nfiles: number;
  added: number;
  removed: number;
  exitCode?: number;
  depth: number;
  children: number[];
  manifest?: string;
}

export interface SessionRow {
  id: number;
  title: string;
  createdAt: number;
  tags: string[];
  parentSession?: number;
  parentCheckpoint?: number;
  root: number;
  activeBranch: string;
  /** A terminal session's state (absent: an editor session); see terminalSessions.ts. */
  terminal?: { state: 'running' | 'ended'; shellIntegration: boolean };
}

export const DEFAULT_BRANCH = 'main';

export const DEFAULT_LABELS: Record<CheckpointSource, string> = {
  start: 'Session start',
  editor: 'Editor changes',
  agent: 'Agent turn',
  terminal: 'Terminal command',
  manual: 'Checkpoint',
  safety: 'Safety checkpoint',
  external: 'Changed outside VS Code',
};

export function safeJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
