// The helper thread (src/storage/compressor.ts) runs only while there is work: it stops when idle and
// starts again for the next job; results stay right across that, and a closed helper hands every job
// back to its caller.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { HelperThread } from '../../src/storage/compressor';

async function until(what: string, fn: () => boolean): Promise<void> {
  const started = Date.now();
  while (!fn()) {
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('helper thread', () => {
  it('stops when idle, starts again for the next job, and its results stay right', async () => {
    const helper = new HelperThread(10);
    try {
      const data = Buffer.from('session tree '.repeat(1000));
      const id = helper.deflate(data, 4);
      assert.equal(helper.alive, true);
      const z = helper.takeDeflated(id, true);
      assert.ok(z, 'the helper deflated nothing');
      assert.deepEqual(inflateRawSync(z), data);
      await until('the idle helper to stop', () => !helper.alive);

      const dir = mkdtempSync(path.join(tmpdir(), 'st-helper-'));
      try {
        writeFileSync(path.join(dir, 'a.txt'), 'abc');
        const statId = helper.lstat([path.join(dir, 'a.txt'), path.join(dir, 'missing')]);
        const st = helper.takeStats(statId, true);
        assert.ok(st, 'the restarted helper gave no stats');
        assert.equal(st[0], 1, 'a.txt is a file');
        assert.equal(st[1], 3, 'a.txt has 3 bytes');
        assert.equal(st[5], 0, 'the missing file is absent');
        assert.equal(helper.started, 2, 'a second thread was started for the job after the idle stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      helper.close();
    }
  });

  it('stays up while a job is outstanding', async () => {
    const helper = new HelperThread(10);
    try {
      const first = helper.deflate(Buffer.alloc(100_000, 7), 1);
      const second = helper.deflate(Buffer.alloc(100_000, 8), 1);
      assert.ok(helper.takeDeflated(first, true));
      // One job still not taken: the thread that holds its result is not stopped under it.
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(helper.alive, true);
      const z = helper.takeDeflated(second, true);
      assert.ok(z);
      assert.deepEqual(inflateRawSync(z), Buffer.alloc(100_000, 8));
      await until('the idle helper to stop', () => !helper.alive);
    } finally {
      helper.close();
    }
  });

  it('a helper that dies is started again for the next job, and after three deaths no more', async () => {
    const helper = new HelperThread(60_000);
    try {
      const data = Buffer.from('x'.repeat(10_000));
      for (let death = 1; death <= 3; death++) {
        const id = helper.deflate(data, 4);
        assert.ok(helper.takeDeflated(id, true), `job before death ${death} was done`);
        // The thread ends without being asked to (as a crash would end it).
        const running = (helper as unknown as { running: { worker: { terminate(): Promise<number> } } }).running;
        await running.worker.terminate();
        await until('the helper to be seen dead', () => !helper.alive);
      }
      // Dead three times: the job comes back undone (the caller deflates it itself), no thread starts.
      assert.equal(helper.takeDeflated(helper.deflate(data, 4), true), undefined);
      assert.equal(helper.started, 3);
      assert.equal(helper.alive, false);
    } finally {
      helper.close();
    }
  });

  it('once closed, hands every job back to its caller', () => {
    const helper = new HelperThread();
    helper.close();
    assert.equal(helper.takeDeflated(helper.deflate(Buffer.from('x'), 4), true), undefined);
    assert.equal(helper.takeStats(helper.lstat(['/']), true), undefined);
    assert.equal(helper.alive, false);
  });
});
