// Terminal sessions in a real VS Code with bash (issue 15): every command of a bound terminal in its
// session with cwd, exit code and output (changing files or not); the terminal closed → the
// session ended; reopened in its last folder and continued; two terminal sessions and editor work
// interleaved, then one command reverted with every other change intact on disk.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CommandRecord, SessionInfo, SessionTreeApi } from '../../src/api';
import { Commands } from '../../src/vscode/ids';
import { sessionTreeApi, setSetting, until as waitUntil } from './support';

const DIR = 'terminal-sessions-test';

let api: SessionTreeApi;
let root: string;
/** The session active before these tests (one of them makes another active): active again after. */
let activeBefore: string;

const file = (rel: string) => path.join(root, DIR, ...rel.split('/'));
const read = (rel: string) => (existsSync(file(rel)) ? readFileSync(file(rel), 'utf8') : undefined);
/** Shell startup and integration are slow on a busy machine. */
const until = <T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false) => waitUntil(what, fn, 60_000);
const same = (a: string | undefined, b: string) => a !== undefined && path.resolve(a) === path.resolve(b);

interface Opened {
  session: SessionInfo;
  terminal: string;
}

async function terminalNamed(name: string): Promise<vscode.Terminal> {
  const terminal = await until(`terminal "${name}"`, () => vscode.window.terminals.find((t) => t.name === name));
  // The first command may go before shell integration knows its cwd: wait for it.
  await until(`shell integration with a cwd in "${name}"`, () => terminal.shellIntegration?.cwd);
  return terminal;
}

/** Runs `command` in `terminal` and waits until it is in `sessionId`'s record; returns that entry. */
async function run(terminal: vscode.Terminal, sessionId: string, command: string): Promise<CommandRecord> {
  const before = (await api.commandRecord!(sessionId)).length;
  let ended = false;
  const d = vscode.window.onDidEndTerminalShellExecution((e) => {
    if (e.terminal === terminal) ended = true;
  });
  try {
    terminal.shellIntegration!.executeCommand(command);
    await until(`the end of "${command}"`, () => ended);
  } finally {
    d.dispose();
  }
  const records = await until(`"${command}" in the command record`, async () => {
    const r = await api.commandRecord!(sessionId);
    return r.length > before ? r : false;
  });
  const last = records[records.length - 1];
  assert.equal(last.command, command);
  return last;
}

async function sessionInfo(id: string): Promise<SessionInfo> {
  return (await api.sessions()).find((s) => s.id === id)!;
}

describe('terminal sessions', function () {
  this.timeout(300_000);

  before(async () => {
    api = await sessionTreeApi();
    activeBefore = (await api.activeSession())!.id;
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // The person's save below waits for quiet time: the next command's start seals it as the editor's.
    await setSetting('editorQuietTime', 600_000);
    mkdirSync(file('sub'), { recursive: true });
    writeFileSync(file('shared.txt'), 'one\ntwo\nthree\nfour\nfive\nsix\n');
    await api.createCheckpoint({ label: 'terminal sessions: before' });
  });

  after(async () => {
    await setSetting('editorQuietTime', undefined);
    for (const t of vscode.window.terminals) if (t.name.startsWith('st-term')) t.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(path.join(root, DIR), { recursive: true, force: true });
    await api.createCheckpoint({ label: 'terminal sessions: cleaned up' });
    if ((await api.activeSession())?.id !== activeBefore) await api.switchSession(activeBefore);
  });

  it('records every command of a bound terminal with cwd, exit code and output; ends when closed; reopens in its last folder and continues', async () => {
    const active = (await api.activeSession())!;
    const opened = (await vscode.commands.executeCommand(Commands.newTerminalSession, { title: 'st-term-one', cwd: file('') })) as Opened;
    const id = opened.session.id;
    assert.deepEqual(opened.session.terminal, { state: 'running', shellIntegration: true });
    assert.equal((await api.activeSession())!.id, active.id, 'the active session stays active');
    const terminal = await terminalNamed(opened.terminal);

    const cd = await run(terminal, id, 'cd sub && export X=1');
    // VS Code may report a command's end before its last output reached the extension (the two
    // travel apart): the commands whose output is checked print, then stay a moment.
    const made = await run(terminal, id, 'echo "x is $X" > made.txt && echo wrote it; sleep 1');
    const failing = await run(terminal, id, 'ls no-such-file-here; sleep 1; false');
    const noop = await run(terminal, id, 'echo nothing-changed; sleep 1');

    assert.ok(same(cd.cwd, file('')), `cd started in the test folder (${cd.cwd})`);
    assert.equal(cd.exitCode, 0);
    assert.equal(cd.checkpointId, undefined, 'cd changed no file: a light entry');
    assert.ok(same(made.cwd, file('sub')), 'the shell stayed in sub');
    assert.equal(read('sub/made.txt'), 'x is 1\n', 'the export persisted to the next command');
    assert.equal(made.exitCode, 0);
    assert.ok(made.checkpointId, 'the file-changing command is a checkpoint');
    assert.match(await api.commandOutput!(made.id), /wrote it/);
    assert.notEqual(failing.exitCode, 0);
    assert.equal(failing.checkpointId, undefined);
    assert.match(await api.commandOutput!(failing.id), /no-such-file-here/);
    assert.equal(noop.exitCode, 0);
    assert.equal(noop.checkpointId, undefined);
    assert.match(await api.commandOutput!(noop.id), /nothing-changed/);

    // On demand, in read-only editors: the record, and one command's output.
    const shown = (await vscode.commands.executeCommand(Commands.showCommandRecord, { sessionId: id })) as CommandRecord[];
    assert.deepEqual(shown.map((r) => r.id), [cd.id, made.id, failing.id, noop.id]);
    assert.match(vscode.window.activeTextEditor!.document.getText(), /\$ ls no-such-file-here; sleep 1; false\n\s+exit 1 · /);
    const out = (await vscode.commands.executeCommand(Commands.showCommandOutput, { sessionId: id, commandId: made.id })) as { output: string };
    assert.match(out.output, /wrote it/);
    assert.match(vscode.window.activeTextEditor!.document.getText(), /# output:\n\n[^]*wrote it/);

    // The changes are the terminal session's own, and in the active session labelled as from it.
    const own = await api.checkpoints({ sessionId: id, limit: 1 });
    assert.equal(own[0].id, made.checkpointId);
    assert.deepEqual(own[0].files.map((f) => path.basename(f.uri.fsPath)), ['made.txt']);
    const shared = (await api.checkpoints({ limit: 20 })).find((c) => c.id === made.sharedCheckpointId);
    assert.ok(shared, 'the active session has the change');
    assert.match(shared.label, /from “st-term-one”/);

    // Closed: ended, nothing deleted.
    terminal.dispose();
    const ended = await until('the session ended', async () => ((await sessionInfo(id)).terminal?.state === 'ended' ? sessionInfo(id) : false));
    assert.equal((await api.commandRecord!(id)).length, 4);
    assert.ok(ended.headId === made.checkpointId);

    // Reopened: a new terminal in the folder the shell was last in, continuing the same session.
    const reopened = (await vscode.commands.executeCommand(Commands.reopenTerminalSession, { sessionId: id })) as Opened;
    assert.equal(reopened.session.terminal?.state, 'running');
    const again = await terminalNamed(reopened.terminal);
    const next = await run(again, id, 'echo again > again.txt');
    assert.ok(same(next.cwd, file('sub')), `reopened in sub (${next.cwd})`);
    assert.equal(read('sub/again.txt'), 'again\n');
    assert.equal((await api.commandRecord!(id)).length, 5);
    again.dispose();
    await until('the session ended again', async () => (await sessionInfo(id)).terminal?.state === 'ended');
  });

  it('a shell without shell integration: the session says so, and what it changed is recorded as external changes when it closes', async () => {
    const session = (await vscode.commands.executeCommand(Commands.newSession, { title: 'st-term-plain' })) as SessionInfo;
    // `sh` (dash) gets no shell integration from VS Code.
    const terminal = vscode.window.createTerminal({ name: 'st-term-sh', shellPath: '/bin/sh', cwd: file('') });
    try {
      await until('the sh terminal', () => vscode.window.terminals.includes(terminal));
      const attached = (await vscode.commands.executeCommand(Commands.attachTerminal, { sessionId: session.id, terminal: 'st-term-sh' })) as SessionInfo;
      assert.equal(attached.terminal?.state, 'running');
      await until('the session marked as without shell integration', async () => (await sessionInfo(session.id)).terminal?.shellIntegration === false);
      terminal.sendText('echo plain > plain.txt');
      await until('plain.txt written', () => read('plain.txt') === 'plain\n');
    } finally {
      terminal.dispose();
    }
    await until('the session ended', async () => (await sessionInfo(session.id)).terminal?.state === 'ended');
    const sealed = await until('an external checkpoint with plain.txt', async () =>
      (await api.checkpoints({ limit: 10 })).find((c) => c.source === 'external' && c.files.some((f) => f.uri.fsPath === file('plain.txt'))),
    );
    assert.match(sealed.label, /no shell integration/);
    assert.equal((await api.commandRecord!(session.id)).length, 0, 'no command could be seen one by one');
  });

  it('two terminal sessions and editor work interleaved: reverting one command keeps every other change on disk', async () => {
    const one = (await vscode.commands.executeCommand(Commands.newTerminalSession, { title: 'st-term-a', cwd: file('') })) as Opened;
    const two = (await vscode.commands.executeCommand(Commands.newTerminalSession, { title: 'st-term-b', cwd: file('') })) as Opened;
    const t1 = await terminalNamed(one.terminal);
    const t2 = await terminalNamed(two.terminal);

    const first = await run(t1, one.session.id, "sed -i 's/^one$/ONE/' shared.txt && echo t1 > t1.txt");
    assert.ok(first.checkpointId);
    // A person edits the last line of the same file in an editor and saves.
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file('shared.txt')));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(5, 0, 5, 3), 'SIX');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save());
    await run(t2, two.session.id, 'echo t2 > t2.txt');
    await run(t1, one.session.id, 'echo later > t1b.txt');
    assert.equal(read('shared.txt'), 'ONE\ntwo\nthree\nfour\nfive\nSIX\n');

    // Revert only t1's first command, from the active session.
    await vscode.commands.executeCommand(Commands.revertCheckpoint, { checkpointId: first.checkpointId });
    assert.equal(read('shared.txt'), 'one\ntwo\nthree\nfour\nfive\nSIX\n', "t1's line undone, the person's kept");
    assert.equal(read('t1.txt'), undefined, 'the file the command made is removed');
    assert.equal(read('t2.txt'), 't2\n', "the other terminal's change stays");
    assert.equal(read('t1b.txt'), 'later\n', "the same terminal's later command stays");
    t1.dispose();
    t2.dispose();
  });
});
