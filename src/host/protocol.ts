// Messages between the extension host thread and the engine worker.
import type { EngineEvent } from '../core/engineApi';

export interface WorkerInit {
  storageDir: string;
  roots: { name: string; path: string }[];
  exclude?: string[];
  maxFileSize?: number;
  savePolicy?: 'always' | 'debounced';
  wasmPath?: string;
}

export type ToWorker =
  | { type: 'init'; options: WorkerInit }
  | { type: 'call'; id: number; method: string; args: unknown[]; dirtyCallback?: boolean }
  | { type: 'dirtyResult'; callId: number; paths?: string[]; error?: string };

export type FromWorker =
  | { type: 'result'; id: number; value?: unknown }
  | { type: 'error'; id: number; error: { name: string; code?: string; message: string } }
  | { type: 'event'; event: EngineEvent }
  | { type: 'dirty'; callId: number; forCall: number; paths: string[] };
