// How the Sessions tree lays a history out (src/vscode/tree/lineage.ts, rows.ts — no `vscode`), on the
// real engine's graphs: set-aside lines, branches named once, the filter's rows, and the way Reveal
// finds to any checkpoint — also at 10,000 checkpoints.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckpointSummary, SessionInfo } from '../../src/core/types';
import { lineage, pathFrom, route, setAsideTip, tipsUnder, withAncestors } from '../../src/vscode/tree/lineage';
import { filteredRows } from '../../src/vscode/tree/rows';
import { makeFixture } from './helpers';

function cp(id: number, parent: number | undefined, children: number[], label = `c${id}`): CheckpointSummary {
  return {
    id: String(id), sessionId: '1', ...(parent !== undefined ? { parentId: String(parent) } : {}), createdAt: id * 1000, label,
    source: 'editor', fileCount: 1, added: 1, removed: 0, childIds: children.map(String),
  };
}

describe('tree layout', () => {
  it('a rewind: the checkpoints it set aside are one line under the fork, found by Reveal; a branch is only named there', async () => {
    const fx = await makeFixture({ 'a.txt': 'base\n' });
    try {
      const one = fx.commit({ 'a.txt': 'one\n' }, { label: 'one' })!;
      const two = fx.commit({ 'a.txt': 'two\n' }, { label: 'two' })!;
      const three = fx.commit({ 'a.txt': 'three\n' }, { label: 'three' })!;
      await fx.engine.restore({ kind: 'rewind', checkpointId: one.id });
      const four = fx.commit({ 'a.txt': 'four\n' }, { label: 'four' })!;
      fx.engine.createBranch('side', { from: one.id });
      await fx.engine.restore({ kind: 'checkout', branch: 'side' });
      const five = fx.commit({ 'b.txt': 'side\n' }, { label: 'five on side' })!;
      await fx.engine.restore({ kind: 'checkout', branch: 'main' });

      const session = fx.engine.activeSession()!;
      const g = lineage(fx.engine.sessionGraph(session.id).checkpoints);
      const heads = new Set(session.branches.map((b) => b.headId));
      const main = session.branches.find((b) => b.name === 'main')!;
      const mainPath = pathFrom(g, main.headId).map((c) => c.label);
      assert.ok(mainPath.includes('four') && mainPath.includes('one') && !mainPath.includes('two'), mainPath.join(' ← '));

      // "one" has three children: the line to "three" (set aside), main's next checkpoint, side's.
      const others = g.byId.get(one.id)!.childIds;
      const setAside = others.map((c) => setAsideTip(tipsUnder(g, c), heads)).filter(Boolean);
      assert.deepEqual(setAside, [three.id], 'one set-aside line, listed from its newest checkpoint');
      assert.deepEqual(pathFrom(g, three.id, one.id).map((c) => c.label), ['three', 'two'], 'the line stops at the fork');

      const branches = [...session.branches].sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name));
      assert.deepEqual(route(g, branches, four.id), { branch: 'main', hops: [] });
      assert.deepEqual(route(g, branches, five.id), { branch: 'side', hops: [] }, 'a branch checkpoint is under its branch row');
      const r = route(g, branches, two.id)!;
      assert.equal(r.branch, 'main');
      assert.deepEqual(r.hops, [{ forkId: one.id, childId: two.id, tipId: three.id }]);
      assert.equal(route(g, branches, '999999'), undefined);
    } finally {
      await fx.cleanup();
    }
  });

  it('a filter keeps the matches and the forks that lead to matches (dimmed), nothing else', () => {
    // 1 ← 2 ← 3 ← 4 (main); 2 ← 5 ← 6 set aside; 6 matches, 3 matches.
    const list = [cp(1, undefined, [2]), cp(2, 1, [3, 5]), cp(3, 2, [4]), cp(4, 3, []), cp(5, 2, [6]), cp(6, 5, [])];
    const g = lineage(list);
    const session = { id: '1', active: true, headId: '4', branches: [{ name: 'main', headId: '4', active: true, createdAt: 0 }] } as unknown as SessionInfo;
    const rows = filteredRows(g, session, pathFrom(g, '4'), new Set(['3', '6']), 'main');
    assert.deepEqual(rows.map((r) => [r.checkpoint.id, !!r.dimmed]), [['3', false], ['2', true]]);
    assert.deepEqual(rows[1].forks?.setAside, [{ childId: '5', tipId: '6' }]);
    const line = filteredRows(g, session, pathFrom(g, '6', '2'), new Set(['3', '6']), undefined);
    assert.deepEqual(line.map((r) => r.checkpoint.id), ['6']);
    assert.deepEqual(filteredRows(g, session, pathFrom(g, '4'), new Set(['4']), 'main').map((r) => r.checkpoint.id), ['4']);
    assert.deepEqual([...withAncestors(g, ['6'])].sort(), ['1', '2', '5', '6']);
  });

  it('10,000 checkpoints with a fork every 100: each set-aside checkpoint has a way from the branch row, and the filter keeps the right rows', () => {
    const parent = new Map<number, number>();
    const main = [1];
    let next = 1;
    const aside: number[] = [];
    for (let i = 2; i <= 10_000; i++) {
      const cur = ++next;
      parent.set(cur, main[main.length - 1]);
      main.push(cur);
      if (i % 100 === 0) {
        const a = ++next;
        const b = ++next;
        parent.set(a, cur);
        parent.set(b, a);
        aside.push(a, b);
      }
    }
    const children = new Map<number, number[]>();
    for (const [c, p] of parent) children.set(p, [...(children.get(p) ?? []), c]);
    const list = Array.from({ length: next }, (_, i) => cp(i + 1, parent.get(i + 1), children.get(i + 1) ?? []));
    const g = lineage(list);
    const head = String(main[main.length - 1]);
    const branches = [{ name: 'main', headId: head }];
    for (const t of [...aside, ...main.filter((_, i) => i % 500 === 0)]) {
      const r = route(g, branches, String(t));
      assert.ok(r, `checkpoint ${t} can be revealed`);
      assert.equal(r.hops.length, aside.includes(t) ? 1 : 0);
    }
    const session = { id: '1', active: true, headId: head, branches: [{ name: 'main', headId: head, active: true, createdAt: 0 }] } as unknown as SessionInfo;
    const matches = new Set(aside.filter((_, i) => i % 2 === 1).slice(0, 50).map(String));
    const rows = filteredRows(g, session, pathFrom(g, head), matches, 'main');
    assert.equal(rows.length, 50, 'one dimmed fork row per set-aside match');
    assert.ok(rows.every((r) => r.dimmed && r.forks?.setAside.length === 1));
  });
});
