// A session's summary (src/core/sessionSummary.ts) on a real engine: files by what the session did to
// them over every line, tools and commands — and nothing from another session.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeFixture } from './helpers';

describe('session summary', () => {
  it('files created, modified, deleted and created-then-deleted; tools counted; commands newest first with failures', async () => {
    const fx = await makeFixture({ 'keep.txt': 'k\n', 'gone.txt': 'g\n' });
    try {
      fx.commit({ 'keep.txt': 'k2\n', 'new.txt': 'n\n' }, { label: 'agent', source: 'agent', tools: ['write_file', 'grep', 'grep'] });
      fx.commit({ 'gone.txt': null, 'tmp.txt': 't\n' }, { label: 'npm test', source: 'terminal', command: 'npm test', exitCode: 1, cwd: fx.ws });
      const last = fx.commit({ 'tmp.txt': null }, { label: 'clean', source: 'terminal', command: 'rm tmp.txt', exitCode: 0 })!;
      await fx.engine.restore({ kind: 'rewind', checkpointId: last.parentId! });
      fx.commit({ 'side.txt': 's\n' }, { label: 'more', source: 'agent', tools: ['write_file'] });

      const s = fx.engine.sessionSummary();
      assert.deepEqual(s.files.created, [fx.abs('new.txt'), fx.abs('side.txt')]);
      assert.deepEqual(s.files.modified, [fx.abs('keep.txt')]);
      assert.deepEqual(s.files.deleted, [fx.abs('gone.txt')]);
      assert.deepEqual(s.files.createdAndDeleted, [fx.abs('tmp.txt')], 'its newest change, on the line the rewind set aside, removed it');
      assert.deepEqual(s.tools, [{ name: 'write_file', count: 2 }, { name: 'grep', count: 1 }]);
      assert.deepEqual(s.commands.map((c) => [c.command, c.exitCode]), [['rm tmp.txt', 0], ['npm test', 1]]);
      assert.equal(s.commands[1].cwd, fx.ws);
      assert.equal(s.commandCount, 2);
      assert.equal(s.failedCommands, 1);

      const other = fx.engine.newSession({ title: 'other' });
      const empty = fx.engine.sessionSummary(other.id);
      assert.deepEqual(empty.files, { created: [], modified: [], deleted: [], createdAndDeleted: [] });
      assert.equal(empty.commandCount, 0);
      assert.equal(fx.engine.sessionSummary(s.sessionId).commandCount, 2, 'by id, not the active one');
      assert.throws(() => fx.engine.sessionSummary('12345'), /not|no/i);
    } finally {
      await fx.cleanup();
    }
  });
});
