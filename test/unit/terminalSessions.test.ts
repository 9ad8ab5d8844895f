// Terminal sessions (issue 15): every command in its record, bounded output, and coherence with
// the active session — no change missed or misattributed, one command reverted with other work
// kept. Real files, real sql.js, the real engine.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OUTPUT_TAIL_BYTES, outputTail } from '../../src/core/store/commands';
import { makeFixture } from './helpers';

const lines = (...ls: string[]) => ls.map((l) => l + '\n').join('');

describe('terminal sessions: the command record', () => {
  it('records every command — file-changing, failing and no-op — with cwd, exit code, duration and output', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1\n' });
    try {
      const active = fx.engine.activeSession()!;
      const t = fx.engine.newTerminalSession({ title: 'Build' });
      assert.deepEqual(t.terminal, { state: 'running', shellIntegration: true });
      assert.equal(t.active, false, 'a terminal session runs beside the active one');
      assert.equal(fx.engine.activeSession()!.id, active.id);

      const cd = fx.engine.recordCommand({ sessionId: t.id, command: 'cd sub && export X=1', cwd: fx.ws, cwdAfter: fx.abs('sub'), exitCode: 0, startedAt: 1, durationMs: 5, output: '' });
      assert.equal(cd.record.checkpointId, undefined, 'a command that changed nothing is a light entry');
      fx.write('out.txt', 'built\n');
      const build = fx.engine.recordCommand({ sessionId: t.id, command: 'make', cwd: fx.abs('sub'), exitCode: 0, startedAt: 2, durationMs: 40, output: 'compiling\ndone\n' });
      assert.ok(build.record.checkpointId);
      const failing = fx.engine.recordCommand({ sessionId: t.id, command: 'false', cwd: fx.abs('sub'), exitCode: 1, startedAt: 3, durationMs: 1, output: 'oops\n' });
      assert.equal(failing.record.checkpointId, undefined);

      const record = fx.engine.commandRecord(t.id);
      assert.deepEqual(record.map((r) => [r.command, r.cwd, r.exitCode, r.checkpointId !== undefined]), [
        ['cd sub && export X=1', fx.ws, 0, false],
        ['make', fx.abs('sub'), 0, true],
        ['false', fx.abs('sub'), 1, false],
      ]);
      assert.equal(record[0].cwdAfter, fx.abs('sub'));
      assert.equal(record[1].durationMs, 40);
      assert.equal(fx.engine.commandOutput(record[1].id), 'compiling\ndone\n');
      assert.equal(fx.engine.commandOutput(record[2].id), 'oops\n');
      // Only the changing command is a checkpoint of the terminal session.
      const cps = fx.engine.checkpoints({ sessionId: t.id });
      assert.deepEqual(cps.map((c) => c.label).sort(), ['Terminal session start', 'make'].sort());
      assert.equal(fx.engine.checkpoint(build.record.checkpointId!).files.map((f) => f.key).join(), 'ws/out.txt');

      // Persisted: the record, the state and the kind survive a reopen.
      await fx.reopen();
      const again = fx.engine.sessions().find((s) => s.id === t.id)!;
      assert.deepEqual(again.terminal, { state: 'running', shellIntegration: true });
      assert.equal(fx.engine.commandRecord(t.id).length, 3);
      assert.equal(fx.engine.commandOutput(record[1].id), 'compiling\ndone\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('keeps only the last 64 KiB of output, cut at a character boundary, and says it was cut', async () => {
    const big = 'é'.repeat(OUTPUT_TAIL_BYTES) + 'END';
    const { tail, bytes } = outputTail(big);
    assert.equal(bytes, Buffer.byteLength(big));
    assert.ok(tail.length <= OUTPUT_TAIL_BYTES);
    const text = Buffer.from(tail).toString('utf8');
    assert.ok(text.endsWith('END'));
    assert.ok(!text.includes('\ufffd'), 'no broken character at the cut');
    const fx = await makeFixture();
    try {
      const t = fx.engine.newTerminalSession({});
      const r = fx.engine.recordCommand({ sessionId: t.id, command: 'yes | head', startedAt: 1, durationMs: 1, exitCode: 0, output: big });
      assert.equal(r.record.outputTruncated, true);
      assert.equal(r.record.outputBytes, bytes);
      assert.equal(fx.engine.commandOutput(r.record.id), text);
    } finally {
      await fx.cleanup();
    }
  });

  it('ends and reopens a session (history kept), refuses commands for a session that is not a terminal one, and deletes the record with the session', async () => {
    const fx = await makeFixture({ 'a.txt': 'a\n' });
    try {
      const editor = fx.engine.activeSession()!;
      assert.throws(() => fx.engine.recordCommand({ sessionId: editor.id, command: 'ls', startedAt: 1, durationMs: 1 }), /not a terminal session/);
      const t = fx.engine.newTerminalSession({ title: 'T' });
      fx.write('a.txt', 'b\n');
      fx.engine.recordCommand({ sessionId: t.id, command: 'sed -i s/a/b/ a.txt', startedAt: 1, durationMs: 1, exitCode: 0 });
      const ended = fx.engine.setTerminalState(t.id, { state: 'ended' });
      assert.equal(ended.terminal!.state, 'ended');
      assert.equal(ended.checkpointCount, 2, 'nothing deleted when it ends');
      assert.equal(fx.engine.setTerminalState(t.id, { state: 'running' }).terminal!.state, 'running');
      assert.equal(fx.engine.setTerminalState(t.id, { state: 'running', shellIntegration: false }).terminal!.shellIntegration, false);
      assert.throws(() => fx.engine.setTerminalState(t.id, { state: 'gone' as 'ended' }), /Unknown terminal session state/);
      // Attaching a terminal to an editor session makes it a terminal session.
      assert.equal(fx.engine.setTerminalState(editor.id, { state: 'running' }).terminal!.state, 'running');
      assert.throws(() => fx.engine.commandOutput('999'), /No recorded command/);
      fx.engine.deleteSession(t.id);
      assert.throws(() => fx.engine.commandRecord(t.id));
      assert.equal(fx.engine.commandRecord(editor.id).length, 0);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('terminal sessions: coherence with the active session', () => {
  it('seals a command once into each session: the terminal session has it as its own, the active one labelled as from it, never again as its own', async () => {
    const fx = await makeFixture({ 'a.txt': 'a1\n' });
    try {
      const active = fx.engine.activeSession()!;
      const t = fx.engine.newTerminalSession({ title: 'Agent shell' });
      fx.write('gen.txt', 'generated\n');
      const r = fx.engine.recordCommand({ sessionId: t.id, command: 'gen', startedAt: 1, durationMs: 1, exitCode: 0 });
      const shared = fx.engine.checkpoint(r.record.sharedCheckpointId!);
      assert.equal(shared.sessionId, active.id);
      assert.equal(shared.label, 'gen · from “Agent shell”');
      assert.equal(shared.source, 'terminal');
      assert.deepEqual(shared.metadata, { terminalSession: t.id });
      assert.equal(fx.engine.activeSession()!.headId, shared.id, "the active session's head includes the command");
      assert.equal(fx.engine.workingChanges().length, 0, 'nothing left to be sealed again as the active session’s own');
      // An editor edit afterwards is the active session's own, and only that.
      const own = fx.commit({ 'a.txt': 'a2\n' }, { source: 'editor' })!;
      assert.deepEqual(own.files.map((f) => f.key), ['ws/a.txt']);
      // The terminal session's checkpoint holds exactly the command's change.
      const mine = fx.engine.checkpoint(r.record.checkpointId!);
      assert.equal(mine.sessionId, t.id);
      assert.deepEqual(mine.files.map((f) => [f.key, f.change]), [['ws/gen.txt', 'added']]);
      // The active session stays restorable: rewinding to its head before the editor edit is exact.
      await fx.engine.restore({ kind: 'rewind', checkpointId: shared.id });
      assert.equal(fx.read('a.txt')!.toString(), 'a1\n');
      assert.equal(fx.read('gen.txt')!.toString(), 'generated\n');
    } finally {
      await fx.cleanup();
    }
  });

  it('when the terminal session is the active one, a command is one checkpoint', async () => {
    const fx = await makeFixture();
    try {
      const t = fx.engine.newTerminalSession({ title: 'T' });
      fx.engine.switchSession(t.id);
      fx.write('x.txt', 'x\n');
      const r = fx.engine.recordCommand({ sessionId: t.id, command: 'touch x', startedAt: 1, durationMs: 1, exitCode: 0 });
      assert.equal(r.record.sharedCheckpointId, undefined);
      assert.equal(fx.engine.checkpoint(r.record.checkpointId!).label, 'touch x');
      assert.equal(fx.engine.activeSession()!.headId, r.record.checkpointId);
    } finally {
      await fx.cleanup();
    }
  });

  it('reverting one command of one terminal session, while two terminals and the editor kept working, undoes only that command', async () => {
    const fx = await makeFixture({ 'shared.txt': lines('one', 'two', 'three', 'four', 'five', 'six'), 'keep.txt': 'k1\n' });
    try {
      const t1 = fx.engine.newTerminalSession({ title: 'T1' });
      const t2 = fx.engine.newTerminalSession({ title: 'T2' });
      // T1 changes line 1 of shared.txt and adds a file.
      fx.write('shared.txt', lines('ONE', 'two', 'three', 'four', 'five', 'six'));
      fx.write('t1.txt', 't1\n');
      const c1 = fx.engine.recordCommand({ sessionId: t1.id, command: 'step1', startedAt: 1, durationMs: 1, exitCode: 0 });
      // The editor changes line 6 of the same file and another file.
      fx.commit({ 'shared.txt': lines('ONE', 'two', 'three', 'four', 'five', 'SIX'), 'keep.txt': 'k2\n' }, { source: 'editor' });
      // T2 adds its own file and edits t1.txt (which T1's revert then cannot simply remove).
      fx.write('t2.txt', 't2\n');
      fx.write('t1.txt', 't1 then t2\n');
      fx.engine.recordCommand({ sessionId: t2.id, command: 'step2', startedAt: 2, durationMs: 1, exitCode: 0 });
      // T1 again: a second command.
      fx.write('t1b.txt', 'later\n');
      fx.engine.recordCommand({ sessionId: t1.id, command: 'step3', startedAt: 3, durationMs: 1, exitCode: 0 });

      const plan = fx.engine.plan({ kind: 'revert', checkpointId: c1.record.checkpointId! });
      const skipped = plan.entries.filter((e) => e.action === 'skip');
      assert.deepEqual(skipped.map((e) => e.key), ['ws/t1.txt']);
      assert.match(skipped[0].reason!, /created it and it was changed since.*step2/);
      const r = await fx.engine.restore({ kind: 'revert', checkpointId: c1.record.checkpointId! });
      assert.deepEqual(r.files.map((f) => [f.key, f.status]), [['ws/shared.txt', 'restored'], ['ws/t1.txt', 'skipped']]);
      assert.equal(fx.read('shared.txt')!.toString(), lines('one', 'two', 'three', 'four', 'five', 'SIX'), "T1's line undone, the editor's kept");
      assert.equal(fx.read('keep.txt')!.toString(), 'k2\n');
      assert.equal(fx.read('t2.txt')!.toString(), 't2\n');
      assert.equal(fx.read('t1.txt')!.toString(), 't1 then t2\n', 'changed since: left as it is, with the reason');
      assert.equal(fx.read('t1b.txt')!.toString(), 'later\n', "T1's later command stays");
      // The revert is a checkpoint of the active session, and undoable.
      assert.equal(fx.engine.checkpoint(r.checkpointId!).sessionId, fx.engine.activeSession()!.id);
      await fx.engine.restore({ kind: 'undo' });
      assert.equal(fx.read('shared.txt')!.toString(), lines('ONE', 'two', 'three', 'four', 'five', 'SIX'));
    } finally {
      await fx.cleanup();
    }
  });

  it('sessions that are not terminal sessions are still refused a cross-session revert', async () => {
    const fx = await makeFixture({ 'a.txt': 'a\n' });
    try {
      const first = fx.commit({ 'a.txt': 'b\n' })!;
      fx.engine.newSession({ title: 'other' });
      assert.throws(() => fx.engine.plan({ kind: 'revert', checkpointId: first.id }), /belongs to another session/);
    } finally {
      await fx.cleanup();
    }
  });
});
