// The history queries (src/core/queries.ts) on a real engine: the whole graph of a session with its
// branches and rewound lines, a file's history across them, and search over every session.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSearch } from '../../src/core/queries';
import { makeFixture } from './helpers';

describe('history queries', () => {
  it('the graph of a session holds every checkpoint — branches and the line a rewind left — with parents and children', async () => {
    const fx = await makeFixture({ 'a.txt': 'base\n' });
    try {
      const root = fx.engine.activeSession()!.rootId;
      const one = fx.commit({ 'a.txt': 'one\n' }, { label: 'one' })!;
      const two = fx.commit({ 'a.txt': 'two\n' }, { label: 'two' })!;
      await fx.engine.restore({ kind: 'rewind', checkpointId: one.id });
      const three = fx.commit({ 'a.txt': 'three\n' }, { label: 'three' })!;
      fx.engine.createBranch('side', { from: root });
      const other = fx.engine.newSession({ title: 'other' });
      fx.commit({ 'b.txt': 'elsewhere\n' }, { label: 'in other' });

      const first = fx.engine.sessions().find((s) => s.id !== other.id)!;
      const g = fx.engine.sessionGraph(first.id);
      assert.equal(g.session.id, first.id);
      const byId = new Map(g.checkpoints.map((c) => [c.id, c]));
      for (const id of [root, one.id, two.id, three.id]) assert.ok(byId.has(id), `checkpoint ${id} is in the graph`);
      assert.ok(!g.checkpoints.some((c) => c.label === 'in other'), 'another session is not');
      assert.deepEqual(g.checkpoints.map((c) => Number(c.id)), [...g.checkpoints.map((c) => Number(c.id))].sort((a, b) => a - b), 'oldest first');
      assert.equal(byId.get(two.id)!.parentId, one.id);
      assert.notEqual(byId.get(three.id)!.parentId, two.id, 'the new line does not continue the rewound one');
      // "one" is a fork: "two" (the rewound line) and the safety checkpoint / "three" grow from it.
      assert.ok(byId.get(one.id)!.childIds.includes(two.id));
      assert.ok(byId.get(one.id)!.childIds.length >= 2, 'the rewound line and the new one both grow from "one"');
      assert.deepEqual(g.session.branches.map((b) => b.name).sort(), ['main', 'side']);
      assert.equal(fx.engine.sessionGraph().session.id, other.id, 'default: the active session');
    } finally {
      await fx.cleanup();
    }
  });

  it('a file history lists every checkpoint that changed the file, on every line, newest first, with before and after', async () => {
    const fx = await makeFixture({ 'a.txt': 'v0\n', 'b.txt': 'b0\n' });
    try {
      const c1 = fx.commit({ 'a.txt': 'v1\n' }, { label: 'c1' })!;
      fx.commit({ 'b.txt': 'b1\n' }, { label: 'only b' });
      const c3 = fx.commit({ 'a.txt': 'v3\n' }, { label: 'c3' })!;
      await fx.engine.restore({ kind: 'rewind', checkpointId: c1.id });
      const c4 = fx.commit({ 'a.txt': 'v4\n' }, { label: 'c4' })!;
      const c5 = fx.commit({ 'a.txt': null }, { label: 'deleted a' })!;

      const h = fx.engine.fileHistory(fx.abs('a.txt'));
      assert.deepEqual(h.map((e) => e.checkpoint.label), ['deleted a', 'c4', 'c3', 'c1']);
      assert.deepEqual(h.map((e) => e.change.change), ['deleted', 'modified', 'modified', 'modified']);
      const byId = new Map(h.map((e) => [e.checkpoint.id, e.change]));
      const text = (hash?: string) => (hash ? Buffer.from(fx.engine.readContent(hash)).toString() : undefined);
      assert.equal(text(byId.get(c3.id)!.before?.hash), 'v1\n');
      assert.equal(text(byId.get(c3.id)!.after?.hash), 'v3\n', 'the rewound line is in the history');
      assert.equal(text(byId.get(c4.id)!.after?.hash), 'v4\n');
      assert.equal(byId.get(c5.id)!.after, undefined);
      assert.deepEqual(fx.engine.fileHistory(fx.abs('never.txt')), []);
      assert.throws(() => fx.engine.fileHistory('/elsewhere/x.txt'), /outside the workspace/);
    } finally {
      await fx.cleanup();
    }
  });

  it('search finds checkpoints of every session by label, prompt, command, tool, file, source and time', async () => {
    let now = Date.parse('2026-03-01T12:00:00Z');
    const fx = await makeFixture({ 'a.txt': 'a\n' }, { clock: () => now });
    try {
      now += 1000;
      fx.commit({ 'src/parser.ts': 'p\n' }, { label: 'Parser work', source: 'agent', tools: ['write_file', 'grep'], prompt: 'Fix the tokenizer' });
      now += 1000;
      fx.commit({ 'a.txt': 'b\n' }, { label: 'Tests', source: 'terminal', command: 'npm test -- --grep lexer', cwd: '/tmp/proj', exitCode: 1 });
      const other = fx.engine.newSession({ title: 'Second' });
      now = Date.parse('2026-03-05T12:00:00Z');
      fx.commit({ 'docs/readme.md': 'r\n' }, { label: 'Docs', source: 'manual' });

      const labels = (text: string) => fx.engine.searchCheckpoints({ text }).hits.map((h) => h.checkpoint.label);
      assert.deepEqual(labels('parser'), ['Parser work'], 'label and file');
      assert.deepEqual(labels('tokenizer'), ['Parser work'], 'prompt');
      assert.deepEqual(labels('lexer'), ['Tests'], 'command line');
      assert.deepEqual(labels('grep'), ['Tests', 'Parser work'], 'tool name and command line, newest first');
      assert.deepEqual(labels('tool:grep'), ['Parser work'], 'a field term looks only there');
      assert.deepEqual(labels('readme'), ['Docs'], 'another session, by file path');
      assert.deepEqual(labels('source:terminal'), ['Tests']);
      assert.deepEqual(labels('agent parser'), ['Parser work'], 'every word must match');
      assert.deepEqual(labels('agent docs'), []);
      assert.deepEqual(labels('"parser work"'), ['Parser work'], 'a quoted phrase');
      assert.deepEqual(labels('after:2026-03-04 source:manual'), ['Docs']);
      assert.deepEqual(labels('before:2026-03-02 source:agent,terminal'), ['Tests', 'Parser work']);
      const hit = fx.engine.searchCheckpoints({ text: 'tokenizer' }).hits[0];
      assert.deepEqual(hit.matched, ['prompt']);
      assert.notEqual(hit.sessionTitle, 'Second');
      assert.deepEqual(
        fx.engine.searchCheckpoints({ text: 'docs', sessionId: fx.engine.sessions().find((s) => s.id !== other.id)!.id }).hits,
        [],
        'limited to one session',
      );
    } finally {
      await fx.cleanup();
    }
  });

  it('search has no 500 limit: it reaches past the newest 500 checkpoints and on every branch', async () => {
    const fx = await makeFixture({ 'a.txt': 'a\n' });
    try {
      fx.commit({ 'old.txt': 'o\n' }, { label: 'needle in the past' });
      for (let i = 0; i < 620; i++) fx.engine.createCheckpoint({ label: `filler ${i}`, allowEmpty: true });
      const r = fx.engine.searchCheckpoints({ text: 'needle' });
      assert.deepEqual(r.hits.map((h) => h.checkpoint.label), ['needle in the past']);
      assert.equal(fx.engine.searchCheckpoints({ text: 'filler' }).total, 620);
      assert.equal(fx.engine.searchCheckpoints({ text: 'filler', limit: 10 }).hits.length, 10);
      assert.equal(fx.engine.searchCheckpoints({ text: 'filler', limit: 10 }).total, 620);
      assert.equal(fx.engine.searchCheckpoints({ text: 'old.txt' }).hits.length, 1);
      assert.equal(fx.engine.sessionGraph().checkpoints.length, 622);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a search line into words, field terms, sources and times', () => {
    const now = Date.parse('2026-03-10T00:00:00Z');
    const p = parseSearch('Fix label:"big refactor" source:agent after:2d before:2026-03-09T10:00 tool:grep nosuch:thing', now);
    assert.deepEqual(p.terms, [
      { value: 'fix' },
      { field: 'label', value: 'big refactor' },
      { field: 'tool', value: 'grep' },
      { value: 'nosuch:thing' },
    ]);
    assert.deepEqual(p.sources, ['agent']);
    assert.equal(p.since, now - 2 * 86_400_000);
    assert.equal(p.until, new Date('2026-03-09T10:00').getTime());
    assert.deepEqual(parseSearch('source:nonsense').terms, [{ value: 'source:nonsense' }]);
  });
});
