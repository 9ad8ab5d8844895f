// Messages between the extension host thread and the engine worker, and the one list of the engine
// methods that may be called across it.
import type { EngineEvent, EngineMethods } from '../core/engineApi';
import type { RootFolder } from '../core/types';

export interface WorkerInit {
  storageDir: string;
  roots: RootFolder[];
  exclude?: string[];
  maxFileSize?: number;
  savePolicy?: 'always' | 'debounced';
  wasmPath?: string;
  /** The engine's own watcher (default on; scan/watch.ts); options for tests. */
  watch?: boolean | { overflowAt?: number };
}

/**
 * Every method the worker serves: the client is built from this list and the worker refuses any
 * other name. Listing a name that is not a key of `EngineMethods` is a type error here; leaving one
 * out is a type error below.
 */
export const ENGINE_METHODS = [
  'open', 'startupScan', 'close', 'setOptions',
  'sessions', 'activeSession', 'newSession', 'renameSession', 'setSessionTags', 'switchSession', 'forkSession', 'deleteSession',
  'createBranch', 'renameBranch', 'deleteBranch',
  'createCheckpoint', 'beginTurn', 'labelCheckpoint', 'checkpoint', 'checkpoints', 'tipsUnder', 'workingChanges',
  'sessionGraph', 'fileHistory', 'searchCheckpoints', 'sessionSummary',
  'notifyChanged', 'rescan', 'willEdit',
  'plan', 'restore', 'lastRestore',
  'restoreHistory',
  'readContent', 'fileAt', 'trackingStatus',
  'verify', 'repair', 'exportSession', 'importSession', 'previewImport',
  'gc', 'stats', 'saveNow',
  'storageReport', 'filesLeftOutForSize', 'compactPlan', 'compact', 'deleteSessions', 'maintain',
  'newTerminalSession', 'setTerminalState', 'recordCommand', 'commandRecord', 'commandOutput',
] as const satisfies readonly (keyof EngineMethods)[];

export type EngineMethod = (typeof ENGINE_METHODS)[number];

/** Compiles only when `Missing` is `never`; otherwise the error names the methods not listed. */
type AllListed<Missing extends never> = Missing;
export type EveryEngineMethodListed = AllListed<Exclude<keyof EngineMethods, EngineMethod>>;

const engineMethodSet: ReadonlySet<string> = new Set(ENGINE_METHODS);
export function isEngineMethod(name: unknown): name is EngineMethod {
  return typeof name === 'string' && engineMethodSet.has(name);
}

/**
 * A function-valued property of an object argument (such as a restore's `isDirty`), which cannot be
 * copied to the worker: the call leaves it out and names it here, and the worker puts in its place
 * a function that asks the extension host to run the original (`callback` → `callbackResult`).
 */
export interface CallbackSlot {
  /** Index of the argument. */
  arg: number;
  /** The property of that argument. */
  key: string;
}

export type ToWorker =
  | { type: 'init'; options: WorkerInit }
  | { type: 'call'; id: number; method: EngineMethod; args: unknown[]; callbacks?: CallbackSlot[] }
  /** The answer to a `callback`: its value, or the message of what it threw. */
  | { type: 'callbackResult'; callId: number; value?: unknown; error?: string };

export type FromWorker =
  | { type: 'result'; id: number; value?: unknown }
  | { type: 'error'; id: number; error: { name: string; code?: string; message: string } }
  | { type: 'event'; event: EngineEvent }
  /** Runs `callbacks[slot]` of call `forCall` on the extension host with these arguments. */
  | { type: 'callback'; callId: number; forCall: number; slot: number; args: unknown[] };
