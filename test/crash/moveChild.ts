// A store move in a process of its own, killed (SIGKILL: nothing is cleaned up) at a chosen step:
// test/unit/storageLocation.test.ts checks that the next activation finds one complete store.
//   node moveChild.js '{"registry":…,"defaultDir":…,"from":…,"to":…,"ws":…,"killAt":"copying"|MoveStep}'
import { Engine } from '../../src/core/engine';
import type { EngineApi } from '../../src/core/engineApi';
import { engineInspector, moveStore } from '../../src/vscode/storageLocation';
import { StoreRegistry } from '../../src/vscode/storeFolder';

export interface MoveChildOptions {
  registry: string;
  defaultDir: string;
  from: string;
  to: string;
  ws: string;
  /** `copying`: after the second file is copied; otherwise right after that step. */
  killAt: string;
}

/** An engine on `dir` for the workspace `ws`, as the extension's inspector opens one. */
export const startOn = (ws: string) => (dir: string): EngineApi => new Engine({ storageDir: dir, roots: [{ name: 'ws', path: ws }], racyWindowMs: 0 }) as unknown as EngineApi;

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]) as MoveChildOptions;
  const die = () => process.kill(process.pid, 'SIGKILL');
  await moveStore({
    registry: new StoreRegistry(o.registry),
    inspect: engineInspector(startOn(o.ws)),
    progress: (m) => o.killAt === 'copying' && /file 2 of/.test(m) && setImmediate(die),
    after: (step) => step === o.killAt && die(),
  }, o.defaultDir, o.from, o.to);
}

if (require.main === module) {
  main().then(() => process.exit(0), (e) => {
    process.stderr.write(String((e as Error).stack));
    process.exit(1);
  });
}
