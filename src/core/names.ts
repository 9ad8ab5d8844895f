// What a caller may name things: titles, labels, tags, branch names, checkpoint metadata.
import { type CheckpointMeta, EngineError } from './types';

export const MAX_NAME = 200;
const MAX_METADATA = 64 * 1024;

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

export function validateMeta(meta: CheckpointMeta): void {
  if (meta.label !== undefined && typeof meta.label !== 'string') throw new EngineError('invalid-argument', 'label must be text.');
  if (meta.tools !== undefined && (!Array.isArray(meta.tools) || meta.tools.some((t) => typeof t !== 'string'))) {
    throw new EngineError('invalid-argument', 'tools must be a list of strings.');
  }
  if (meta.exitCode !== undefined && (typeof meta.exitCode !== 'number' || !Number.isInteger(meta.exitCode))) {
    throw new EngineError('invalid-argument', 'exitCode must be a whole number.');
  }
  if (meta.metadata !== undefined) {
    if (typeof meta.metadata !== 'object' || meta.metadata === null || Array.isArray(meta.metadata)) {
      throw new EngineError('invalid-argument', 'metadata must be a JSON object.');
    }
    let text: string;
    try {
      text = JSON.stringify(meta.metadata);
    } catch (e) {
      throw new EngineError('invalid-argument', `metadata must be JSON: ${(e as Error).message}`);
    }
    if (text.length > MAX_METADATA) throw new EngineError('invalid-argument', 'metadata is too large (64 KiB at most).');
  }
  if (meta.prompt !== undefined && typeof meta.prompt !== 'string') throw new EngineError('invalid-argument', 'prompt must be text.');
}
