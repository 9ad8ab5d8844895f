// Agent turns and exact capture in a real extension host: a person's save followed at once by an
// agent turn stays the person's own checkpoint; checkpoints made right after bursts of writes
// nobody announced (hundreds of files, new nested folders the watcher is blind to) hold exactly
// those files, with the CPUs kept busy and idle; a terminal command's cwd is where it started.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointInfo, SessionTreeApi } from '../../src/api';
import { EXTENSION_ID, setSetting, until as waitUntil } from './support';

const DIR = 'turns-test';

let api: SessionTreeApi;
let root: string;

const file = (rel: string) => path.join(root, DIR, ...rel.split('/'));
const uri = (rel: string) => vscode.Uri.file(file(rel));
function write(rel: string, content: string): void {
  mkdirSync(path.dirname(file(rel)), { recursive: true });
  writeFileSync(file(rel), content);
}
const read = (rel: string) => (existsSync(file(rel)) ? readFileSync(file(rel), 'utf8') : undefined);
/** A checkpoint's files, relative to the test's folder. */
const filesOf = (cp: CheckpointInfo) => cp.files.map((f) => path.relative(path.join(root, DIR), f.uri.fsPath).split(path.sep).join('/')).sort();

/** This file's waits: bursts of hundreds of files under busy CPUs take longer to settle. */
const until = <T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000) => waitUntil(what, fn, timeoutMs);

/** Seals whatever earlier tests left, so the checkpoints below hold exactly what each test writes. */
async function quiet(): Promise<void> {
  await api.createCheckpoint({ label: 'turns: before' });
}

/** A person's save of `rel` in an editor, as VS Code does it (the editor seal then waits for quiet time). */
async function personSaves(rel: string, content: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri(rel));
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), content);
  assert.ok(await vscode.workspace.applyEdit(edit));
  assert.ok(await doc.save(), 'the save went through');
  assert.equal(read(rel), content);
}

/** Keeps both CPUs busy until stopped. */
function busyCpus(): { stop(): Promise<void> } {
  const children: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }));
  return {
    async stop() {
      await Promise.all(children.map((c) => new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      })));
    },
  };
}

describe('agent turns and exact capture', function () {
  this.timeout(120_000);

  before(async () => {
    const extension = vscode.extensions.getExtension<SessionTreeApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // The person's saves wait for quiet time: a turn must not wait for it, nor swallow them.
    await setSetting('editorQuietTime', 600_000);
    await api.ready;
  });

  after(async () => {
    await setSetting('editorQuietTime', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(path.join(root, DIR), { recursive: true, force: true });
    await api.createCheckpoint({ label: 'turns: cleaned up' });
  });

  for (const explicit of [false, true]) {
    it(`a person's save followed at once by an agent turn (${explicit ? 'beginTurn' : 'its first willEdit'}) is its own checkpoint, and rewinding before the turn gives the person's version byte for byte`, async () => {
      const rel = `person-${explicit}/a.txt`;
      write(rel, 'v1: before\n');
      write(`person-${explicit}/other.txt`, 'untouched\n');
      await quiet();
      const personV2 = 'v2: the person’s edit ✓\nsecond line\n';
      await personSaves(rel, personV2);
      // At once, while the editor seal still waits for quiet time, the agent's turn.
      const before = explicit ? await api.beginTurn() : undefined;
      await api.willEdit([uri(rel)]);
      write(rel, 'v3: the agent\n');
      const turn = await api.createCheckpoint({ label: `agent turn ${explicit}`, tools: ['write_file'] });
      assert.ok(turn, "the agent's turn made a checkpoint");
      assert.deepEqual(filesOf(turn), [rel]);
      // The person's edit is the checkpoint before it, as the editor's.
      const [agentCp, personCp] = await api.checkpoints({ limit: 2 });
      assert.equal(agentCp.id, turn.id);
      assert.equal(turn.parentId, personCp.id);
      assert.equal(personCp.source, 'editor');
      assert.deepEqual(filesOf(personCp), [rel]);
      if (explicit) assert.equal(before?.id, personCp.id, 'beginTurn returned the checkpoint it sealed');
      // Rewind to before the agent's turn: the person's v2, byte for byte.
      const result = await api.rewind(turn.id, { before: true });
      assert.ok(result.files.some((f) => f.uri.fsPath === file(rel) && f.status === 'restored'));
      assert.ok(readFileSync(file(rel)).equals(Buffer.from(personV2)), `got ${read(rel)}`);
      await api.undoLastRestore();
      assert.equal(read(rel), 'v3: the agent\n');
    });
  }

  /** Writes a burst nobody announces: flat files, new nested folders, edits and deletes of older ones. */
  function burst(tag: string, flat: number, nested: number): string[] {
    const written: string[] = [];
    for (let i = 0; i < flat; i++) {
      write(`${tag}/flat/f${i}.txt`, `${tag} ${i}\n`);
      written.push(`${tag}/flat/f${i}.txt`);
    }
    // New nested folders made in one go, the way the watcher is blind to.
    for (let d = 0; d < nested; d++) {
      const dir = file(`${tag}/nest/d${d}/e/f`);
      mkdirSync(dir, { recursive: true });
      for (const n of ['one.txt', 'two.txt']) {
        writeFileSync(path.join(dir, n), `${tag} ${d} ${n}\n`);
        written.push(`${tag}/nest/d${d}/e/f/${n}`);
      }
    }
    return written.sort();
  }

  for (const busy of [true, false]) {
    it(`a checkpoint right after bursts written without willEdit holds exactly those files, and nothing written after (${busy ? 'CPUs kept busy' : 'idle'})`, async () => {
      const tag = busy ? 'busy' : 'idle';
      await quiet();
      const load = busy ? busyCpus() : undefined;
      try {
        for (let round = 0; round < 3; round++) {
          const expected = burst(`${tag}${round}`, 400, 50);
          // An edit and a delete of files an earlier round wrote: changes, not only additions.
          if (round > 0) {
            write(`${tag}${round - 1}/flat/f0.txt`, 'edited\n');
            rmSync(file(`${tag}${round - 1}/flat/f1.txt`));
            expected.push(`${tag}${round - 1}/flat/f0.txt`, `${tag}${round - 1}/flat/f1.txt`);
            expected.sort();
          }
          const cp = await api.createCheckpoint({ label: `burst ${tag} ${round}` });
          assert.ok(cp, `round ${round}: a checkpoint`);
          const got = filesOf(cp);
          const missing = expected.filter((f) => !got.includes(f));
          const extra = got.filter((f) => !expected.includes(f));
          assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10), count: got.length }, { missing: [], extra: [], count: expected.length }, `round ${round}`);
          if (round > 0) {
            assert.equal(cp.files.find((f) => f.uri.fsPath === file(`${tag}${round - 1}/flat/f1.txt`))?.change, 'deleted');
            assert.equal(cp.files.find((f) => f.uri.fsPath === file(`${tag}${round - 1}/flat/f0.txt`))?.change, 'modified');
          }
        }
        // Late watcher events for files already recorded change nothing: no checkpoint of their own.
        assert.equal(await api.createCheckpoint({ label: 'nothing new' }), undefined);
      } finally {
        await load?.stop();
      }
    });
  }

  it('a terminal command records the folder it started in, also after `cd X && …`', async () => {
    mkdirSync(file('term/sub'), { recursive: true });
    await quiet();
    const start = path.join(root, DIR, 'term');
    const terminal = vscode.window.createTerminal({ name: 'session-tree-turns', cwd: start });
    try {
      terminal.show();
      // The first command may go before shell integration knows its cwd: wait for it.
      const integration = await until('terminal shell integration with a cwd', () => terminal.shellIntegration?.cwd && terminal.shellIntegration);
      const ended = new Promise<number | undefined>((resolve) => {
        const d = vscode.window.onDidEndTerminalShellExecution((e) => {
          if (e.terminal !== terminal) return;
          d.dispose();
          resolve(e.exitCode);
        });
      });
      integration.executeCommand('cd sub && echo from-sub > made-in-sub.txt');
      assert.equal(await ended, 0);
      const cp = await until('a terminal checkpoint', async () => {
        const [newest] = await api.checkpoints({ limit: 1 });
        return newest.source === 'terminal' ? newest : false;
      });
      assert.deepEqual(filesOf(cp), ['term/sub/made-in-sub.txt']);
      assert.equal(cp.cwd && path.resolve(cp.cwd), path.resolve(start));
    } finally {
      terminal.dispose();
    }
  });
});
