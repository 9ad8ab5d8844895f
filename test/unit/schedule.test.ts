// The worker's call scheduler: which calls may be under way together on the engine's thread.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallScheduler, kindOf } from '../../src/host/schedule';

/** A call that records when it starts and ends, and ends when told to. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  let started!: () => void;
  const start = new Promise<void>((r) => (started = r));
  return {
    run: async () => {
      log.push(`start ${name}`);
      started();
      await done;
      log.push(`end ${name}`);
    },
    started: start,
    finish: () => open(),
  };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('worker call scheduler', () => {
  it('classifies calls by the operations table: reads, writers, yielding writers; an unknown name runs alone', () => {
    assert.equal(kindOf('sessions'), 'read');
    assert.equal(kindOf('exportSession'), 'read');
    assert.equal(kindOf('trackingStatus'), 'read');
    assert.equal(kindOf('createCheckpoint'), 'write');
    assert.equal(kindOf('open'), 'write');
    assert.equal(kindOf('gc'), 'yielding-write');
    assert.equal(kindOf('importSession'), 'yielding-write');
    assert.equal(kindOf('gc', new Set()), 'write');
    assert.equal(kindOf('noSuchMethod'), 'write');
  });

  it('serves reads while a long read is suspended; a writer waits for both, and a read sent after the writer waits for it', async () => {
    const log: string[] = [];
    const s = new CallScheduler();
    const exp = gate(log, 'export');
    const read = gate(log, 'tree');
    const write = gate(log, 'checkpoint');
    const after = gate(log, 'picks');
    s.submit('read', exp.run);
    s.submit('read', read.run);
    s.submit('write', write.run);
    s.submit('read', after.run);
    await exp.started;
    await read.started;
    read.finish();
    await settle();
    assert.deepEqual(log, ['start export', 'start tree', 'end tree'], 'the read ran and ended while the export was suspended');
    assert.deepEqual(s.running, { reads: 1, writer: undefined });
    exp.finish();
    await write.started;
    await settle();
    assert.deepEqual(log.slice(3), ['end export', 'start checkpoint'], 'the writer started only when no read ran, and alone');
    write.finish();
    await after.started;
    after.finish();
    await settle();
    assert.deepEqual(log.slice(5), ['end checkpoint', 'start picks', 'end picks']);
    assert.deepEqual(s.running, { reads: 0, writer: undefined });
  });

  it('never lets two writers interleave, yielding or not; reads run beside a suspended yielding writer only', async () => {
    const log: string[] = [];
    const s = new CallScheduler();
    const gcw = gate(log, 'gc');
    const w2 = gate(log, 'label');
    const r = gate(log, 'tree');
    const w3 = gate(log, 'import');
    s.submit('yielding-write', gcw.run);
    s.submit('read', r.run);
    await gcw.started;
    await r.started;
    s.submit('yielding-write', w3.run);
    s.submit('write', w2.run);
    r.finish();
    await settle();
    assert.deepEqual(log, ['start gc', 'start tree', 'end tree']);
    gcw.finish();
    await w3.started;
    await settle();
    assert.deepEqual(log.slice(3), ['end gc', 'start import'], 'the next writer starts after the first ends');
    w3.finish();
    await w2.started;
    w2.finish();
    await settle();
    assert.deepEqual(log.slice(5), ['end import', 'start label', 'end label']);
  });

  it('a call that fails does not stop the ones after it', async () => {
    const log: string[] = [];
    const s = new CallScheduler();
    s.submit('write', async () => {
      log.push('failing');
      throw new Error('boom');
    });
    const next = gate(log, 'next');
    s.submit('write', next.run);
    await next.started;
    next.finish();
    await settle();
    assert.deepEqual(log, ['failing', 'start next', 'end next']);
  });
});
