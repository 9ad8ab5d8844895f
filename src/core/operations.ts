// Policy as data: for every engine operation, what the store must be before it runs and how its
// changes become durable. `Engine` runs each public method through `run` with its row here; no
// method checks the store or saves on its own.
//
//   guard  'none'     — anything goes (it checks what it needs itself: open/close, saveNow)
//          'open'     — the store is open (reads; a read-only store will do)
//          'writable' — open, not read-only, and a deferred start-up has run (it runs first)
//          'capture'  — like 'writable', but when the store is not open or is read-only the
//                       operation does nothing, and a failure is logged, never thrown: capture
//                       never blocks an edit
//   change 'none'        — reads only
//          'transaction' — the body is one transaction; if it wrote anything the store is saved
//                          (per the save policy) and `changed` is emitted; on failure nothing of
//                          it remains
//          'self'        — the operation commits in steps of its own (a restore writes files
//                          between two transactions; gc, repair and import save as they go)
import type { EngineContext } from './context';
import type { EngineMethods } from './engineApi';

export interface OperationPolicy {
  guard: 'none' | 'open' | 'writable' | 'capture';
  change: 'none' | 'transaction' | 'self';
  /** For 'capture': how a logged failure starts. */
  failure?: string;
}

/** Every engine method served across the worker boundary (the API's and the maintenance ones). */
export type Operation = keyof EngineMethods;

export const OPERATIONS = {
  open: { guard: 'none', change: 'self' },
  startupScan: { guard: 'open', change: 'self' },
  close: { guard: 'none', change: 'self' },
  setOptions: { guard: 'open', change: 'self' },
  saveNow: { guard: 'none', change: 'self' },

  sessions: { guard: 'open', change: 'none' },
  activeSession: { guard: 'open', change: 'none' },
  newSession: { guard: 'writable', change: 'transaction' },
  renameSession: { guard: 'writable', change: 'transaction' },
  setSessionTags: { guard: 'writable', change: 'transaction' },
  switchSession: { guard: 'writable', change: 'transaction' },
  forkSession: { guard: 'writable', change: 'transaction' },
  deleteSession: { guard: 'writable', change: 'self' },

  createBranch: { guard: 'writable', change: 'transaction' },
  renameBranch: { guard: 'writable', change: 'transaction' },
  deleteBranch: { guard: 'writable', change: 'transaction' },

  createCheckpoint: { guard: 'writable', change: 'transaction' },
  beginTurn: { guard: 'writable', change: 'transaction' },
  labelCheckpoint: { guard: 'writable', change: 'transaction' },
  checkpoint: { guard: 'open', change: 'none' },
  checkpoints: { guard: 'open', change: 'none' },
  tipsUnder: { guard: 'open', change: 'none' },
  workingChanges: { guard: 'open', change: 'none' },

  sessionGraph: { guard: 'open', change: 'none' },
  fileHistory: { guard: 'open', change: 'none' },
  sessionSummary: { guard: 'open', change: 'none' },
  searchCheckpoints: { guard: 'open', change: 'none' },

  notifyChanged: { guard: 'writable', change: 'transaction' },
  rescan: { guard: 'writable', change: 'transaction' },
  willEdit: { guard: 'capture', change: 'transaction', failure: 'Before-edit capture failed' },
  // Needs only the folders and the rules: answered before the store opens too.
  trackingStatus: { guard: 'none', change: 'none' },

  plan: { guard: 'open', change: 'none' },
  restore: { guard: 'writable', change: 'self' },
  lastRestore: { guard: 'open', change: 'none' },
  // restore history (issue 16)
  restoreHistory: { guard: 'open', change: 'none' },
  readContent: { guard: 'open', change: 'none' },
  fileAt: { guard: 'open', change: 'none' },

  verify: { guard: 'open', change: 'none' },
  repair: { guard: 'writable', change: 'self' },
  gc: { guard: 'writable', change: 'self' },
  stats: { guard: 'open', change: 'none' },
  exportSession: { guard: 'open', change: 'none' },
  importSession: { guard: 'writable', change: 'self' },
  previewImport: { guard: 'open', change: 'none' },

  storageReport: { guard: 'open', change: 'none' },
  filesLeftOutForSize: { guard: 'open', change: 'none' },
  compactPlan: { guard: 'open', change: 'none' },
  compact: { guard: 'writable', change: 'self' },
  deleteSessions: { guard: 'writable', change: 'self' },
  maintain: { guard: 'writable', change: 'self' },
  newTerminalSession: { guard: 'writable', change: 'transaction' },
  setTerminalState: { guard: 'writable', change: 'transaction' },
  recordCommand: { guard: 'writable', change: 'transaction' },
  commandRecord: { guard: 'open', change: 'none' },
  commandOutput: { guard: 'open', change: 'none' },
} as const satisfies Record<Operation, OperationPolicy>;

/** Runs `body` as operation `name` says: its guard first, then its transaction and save. */
export function run<T>(ctx: EngineContext, name: Operation, body: () => T): T {
  const policy: OperationPolicy = OPERATIONS[name];
  switch (policy.guard) {
    case 'open':
      ctx.ensureOpen();
      break;
    case 'writable':
      ctx.ensureWritable();
      break;
    case 'capture':
      if (!ctx.opened || ctx.readOnly) return undefined as T;
      try {
        ctx.ensureWritable();
        return policy.change === 'transaction' ? ctx.mutate(body) : body();
      } catch (e) {
        ctx.log('error', `${policy.failure}: ${(e as Error).message}`);
        return undefined as T;
      }
  }
  return policy.change === 'transaction' ? ctx.mutate(body) : body();
}
