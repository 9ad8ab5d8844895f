// The history graph's row layout and message checks (src/webview): pure, so tested in plain Node.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutGraph } from '../../src/webview/graphLayout';
import { parseFromGraph, parseToGraph } from '../../src/webview/graphProtocol';

describe('history graph layout', () => {
  it('puts a straight history in one lane, newest first, each row joined to the next', () => {
    const l = layoutGraph([{ id: '1' }, { id: '2', parentId: '1' }, { id: '3', parentId: '2' }]);
    assert.equal(l.width, 1);
    assert.deepEqual(l.rows.map((r) => r.index), [2, 1, 0]);
    assert.deepEqual(l.rows.map((r) => [r.lane, r.joins, r.through, r.down]), [
      [0, [], [], true],
      [0, [0], [], true],
      [0, [0], [], false],
    ]);
  });

  it('draws a fork: the line a rewind left gets a lane of its own that joins its fork point', () => {
    // 1 ← 2 ← 3 (rewound line), 2 ← 4 ← 5 (new work after rewinding to 2)
    const l = layoutGraph([{ id: '1' }, { id: '2', parentId: '1' }, { id: '3', parentId: '2' }, { id: '4', parentId: '2' }, { id: '5', parentId: '4' }]);
    const byId = new Map(l.rows.map((r) => [String(r.index + 1), r]));
    assert.equal(l.width, 2);
    assert.equal(byId.get('5')!.lane, 0);
    assert.equal(byId.get('4')!.lane, 0);
    assert.equal(byId.get('3')!.lane, 1, 'the rewound line');
    assert.deepEqual(byId.get('3')!.through, [0], 'lane 0 passes the rewound tip');
    assert.deepEqual(byId.get('2')!.joins, [0, 1], 'both lines come into the fork point');
    assert.deepEqual(byId.get('1')!.joins, [0]);
  });

  it('lays out 10,000 checkpoints with many forks, every child line ending at its parent', () => {
    const cps = [{ id: '1' } as { id: string; parentId?: string }];
    for (let i = 2; i <= 10_000; i++) cps.push({ id: String(i), parentId: String(i % 97 === 0 ? Math.max(1, i - 50) : i - 1) });
    const l = layoutGraph(cps);
    assert.equal(l.rows.length, 10_000);
    const laneOf = new Map(l.rows.map((r) => [cps[r.index].id, r.lane]));
    const joinsOf = new Map(l.rows.map((r) => [cps[r.index].id, r.joins]));
    for (const c of cps) if (c.parentId) assert.ok(joinsOf.get(c.parentId)!.includes(laneOf.get(c.id)!), `${c.id}'s line ends at ${c.parentId}`);
  });
});

describe('history graph messages', () => {
  it('accepts the page messages the panel knows and refuses anything else', () => {
    assert.deepEqual(parseFromGraph({ type: 'action', action: 'rewindHere', id: '12' }), { type: 'action', action: 'rewindHere', id: '12' });
    assert.equal(parseFromGraph({ type: 'action', action: 'deleteSession', id: '12' }), undefined, 'not an action the graph offers');
    assert.equal(parseFromGraph({ type: 'select', id: '../etc' }), undefined);
    assert.equal(parseFromGraph({ type: 'openFile', id: '3', key: '' }), undefined);
    assert.equal(parseFromGraph({ type: 'filter', text: 'x'.repeat(5000) }), undefined);
    assert.equal(parseFromGraph('ready'), undefined);
    assert.deepEqual(parseFromGraph({ type: 'ready', extra: 1 }), { type: 'ready' });
  });

  it('the page accepts a well-formed graph and ignores a malformed one', () => {
    const good = {
      type: 'graph', sessionId: '1', title: 't', active: true, headId: '2', branches: [{ name: 'main', headId: '2', active: true }],
      checkpoints: [{ id: '2', parentId: '1', createdAt: 1, label: 'x', source: 'agent', fileCount: 1, added: 1, removed: 0 }],
    };
    assert.ok(parseToGraph(good));
    assert.equal(parseToGraph({ ...good, checkpoints: [{ ...good.checkpoints[0], source: 'evil' }] }), undefined);
    assert.equal(parseToGraph({ type: 'filtered', text: '', ids: ['1', 2], total: 1 }), undefined);
  });
});
