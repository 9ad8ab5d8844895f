// Changes made by other programs while VS Code runs (a formatter, a build, git, a script in another
// terminal: the watcher reports them, and no editor save, terminal command or agent turn claims
// them) become a checkpoint of their own, "External changes: N files", once the watcher has been
// quiet for `sessionTree.capture.externalQuietTime` (0: never; they wait for the next checkpoint).
//
// It never takes what belongs to someone else: while an agent's turn is open, a terminal command
// runs, or editor saves wait for their own quiet time (`Capture.busy`), it does nothing — their seal
// takes those changes. The check and the seal run in capture's seal queue, so a turn or command that
// begins meanwhile waits for it, and it for them.
import type { CheckpointInfo } from '../core/types';
import type { Capture } from './capture';
import type { EngineHost } from './engineHost';
import { Debouncer, Disposable } from './lifecycle';
import type { Log } from './log';
import { externalQuietTime } from './settings';

export function externalLabel(files: number): string {
  return `External changes: ${files === 1 ? '1 file' : `${files} files`}`;
}

export class ExternalSeal extends Disposable {
  private readonly quiet = this.register(new Debouncer(() => externalQuietTime(), () => void this.sealQuietly()));

  constructor(
    private readonly capture: Capture,
    private readonly host: EngineHost,
    private readonly log: Log,
    private readonly recording: { readonly paused: boolean },
  ) {
    super();
    this.register(
      capture.onDidReportChange(() => {
        if (externalQuietTime() > 0) this.quiet.schedule();
      }),
    );
  }

  private async sealQuietly(): Promise<void> {
    try {
      await this.sealNow();
    } catch (e) {
      this.log.error('Sealing external changes failed', e);
    }
  }

  /** Seals the working changes as external ones unless someone's seal will take them; undefined when it did not. */
  sealNow(): Promise<CheckpointInfo | undefined> {
    return this.capture.seals.run(async () => {
      const engine = this.host.current;
      if (!engine || this.host.readOnly || this.recording.paused || externalQuietTime() === 0 || this.capture.busy) return undefined;
      await this.capture.flush();
      // Editor saves sealed meanwhile leave nothing: no walk for them.
      if ((await engine.workingChanges()).length === 0) return undefined;
      // The watcher misses writes (bursts into new folders): the walk finds every one, and counts them.
      await engine.rescan();
      const files = (await engine.workingChanges()).length;
      if (files === 0) return undefined;
      const checkpoint = await engine.createCheckpoint({ source: 'external', label: externalLabel(files) });
      if (checkpoint) this.log.info(`Checkpoint "${checkpoint.label}" (external, ${checkpoint.files.length} files) after ${externalQuietTime()} ms of quiet.`);
      return checkpoint;
    });
  }
}
