// What a caller may name things and store: titles, labels, tags, branch names, checkpoint
// metadata. Every field an API call or a command stores has a limit here (the API, the commands
// and imports share them) and a clear EngineError('invalid-argument') past it.
import { type CheckpointMeta, EngineError } from './types';

/** Session titles, tags, branch names and checkpoint labels: characters, after trimming. */
export const MAX_NAME = 200;

/** The limits on what an API call or command stores (characters unless said otherwise). Documented in src/api.ts and the README. */
export const LIMITS = {
  /** Session title, each tag, branch name, checkpoint label. */
  name: MAX_NAME,
  /** Tags on one session. */
  tags: 100,
  /** A checkpoint's prompt preview. */
  prompt: 10_000,
  /** A terminal command line. */
  command: 10_000,
  /** The folder a command ran in (the longest path Windows allows). */
  cwd: 32_767,
  /** Tool names on one checkpoint. */
  tools: 1_000,
  /** Each tool name. */
  toolName: MAX_NAME,
  /** A checkpoint's metadata object, as JSON text. */
  metadata: 64 * 1024,
} as const;

const invalid = (message: string): never => {
  throw new EngineError('invalid-argument', message);
};

export function cleanName(s: string, what: string, allowEmpty = false): string {
  if (typeof s !== 'string') throw new EngineError('invalid-argument', `The ${what} must be text.`);
  const t = s.replace(/[\r\n\t]+/g, ' ').trim();
  if (!t && !allowEmpty) throw new EngineError('invalid-argument', `The ${what} cannot be empty.`);
  if (t.length > MAX_NAME) throw new EngineError('invalid-argument', `The ${what} is too long (${t.length} characters; ${MAX_NAME} at most).`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new EngineError('invalid-argument', `The ${what} contains control characters.`);
  return t;
}

export function cleanBranchName(name: string): string {
  // One spelling per name: "café" typed with a combining accent is the same branch as the precomposed one.
  const n = cleanName(name, 'branch name').normalize('NFC');
  if (/^\d+$/.test(n)) throw new EngineError('invalid-argument', `A branch name cannot be only digits ("${n}" would be read as a checkpoint id).`);
  return n;
}

/** A session's tags: each a clean name, duplicates dropped, at most `LIMITS.tags` of them. */
export function cleanTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) invalid('Tags must be a list of strings.');
  const list = [...new Set((tags as unknown[]).map((t) => cleanName(String(t), 'tag')))];
  if (list.length > LIMITS.tags) invalid(`A session can have at most ${LIMITS.tags} tags (got ${list.length}).`);
  return list;
}

function text(v: unknown, what: string, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'string') invalid(`${what} must be text.`);
  const s = v as string;
  if (s.length > max) invalid(`${what} is too long (${s.length} characters; ${max} at most).`);
}

/** Checks what `createCheckpoint` stores: each field's type and its limit in `LIMITS`. */
export function validateMeta(meta: CheckpointMeta): void {
  if (typeof meta !== 'object' || meta === null) invalid('The checkpoint options must be an object.');
  if (meta.label !== undefined) {
    if (typeof meta.label !== 'string') invalid('label must be text.');
    const n = meta.label.trim().length;
    if (n > LIMITS.name) invalid(`label is too long (${n} characters; ${LIMITS.name} at most).`);
  }
  if (meta.tools !== undefined) {
    if (!Array.isArray(meta.tools) || meta.tools.some((t) => typeof t !== 'string')) invalid('tools must be a list of strings.');
    if (meta.tools.length > LIMITS.tools) invalid(`tools has too many names (${meta.tools.length}; ${LIMITS.tools} at most).`);
    const long = meta.tools.find((t) => t.length > LIMITS.toolName);
    if (long !== undefined) invalid(`A tool name is too long (${long.length} characters; ${LIMITS.toolName} at most).`);
  }
  text(meta.prompt, 'prompt', LIMITS.prompt);
  text(meta.command, 'command', LIMITS.command);
  text(meta.cwd, 'cwd', LIMITS.cwd);
  if (meta.exitCode !== undefined && (typeof meta.exitCode !== 'number' || !Number.isInteger(meta.exitCode) || Math.abs(meta.exitCode) > 2 ** 31)) {
    invalid('exitCode must be a whole number (a process exit code).');
  }
  if (meta.durationMs !== undefined && (typeof meta.durationMs !== 'number' || !Number.isFinite(meta.durationMs) || meta.durationMs < 0)) {
    invalid('durationMs must be a number of milliseconds, 0 or more.');
  }
  if (meta.metadata !== undefined) {
    if (typeof meta.metadata !== 'object' || meta.metadata === null || Array.isArray(meta.metadata)) {
      invalid('metadata must be a JSON object.');
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(meta.metadata);
    } catch (e) {
      invalid(`metadata must be JSON: ${(e as Error).message}`);
    }
    if (json!.length > LIMITS.metadata) invalid(`metadata is too large (${json!.length} characters of JSON; 64 KiB (${LIMITS.metadata}) at most).`);
  }
}

/** The fields of a checkpoint's stored info (see seal.ts) that `validateMeta` checks. */
export const INFO_FIELDS = ['tools', 'prompt', 'command', 'cwd', 'durationMs', 'metadata'] as const;
