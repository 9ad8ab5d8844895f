// A terminal command's cwd is the folder it started in (issue 13: after `cd X && …` the folder at
// the end, X, was recorded when VS Code gave no cwd at the start).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFolder } from '../../src/vscode/terminal/commandCwd';

const file = (fsPath: string) => ({ scheme: 'file', fsPath });

describe('terminal command cwd', () => {
  it('is the execution’s cwd at the start when VS Code gives one', () => {
    assert.equal(startFolder({ execution: file('/ws'), shell: file('/ws/other'), created: '/elsewhere' }), '/ws');
  });

  it('without one at the start, is the shell’s folder at the start — what the end reports is never asked', () => {
    // At the start the shell is in /ws; `cd sub && …` then moves it to /ws/sub, which only the end sees.
    const atStart = startFolder({ shell: file('/ws'), terminal: file('/ws') });
    assert.equal(atStart, '/ws');
  });

  it('falls back to the folder the terminal was created in, as a path or a file URI', () => {
    assert.equal(startFolder({ created: '/ws/start' }), '/ws/start');
    assert.equal(startFolder({ created: file('/ws/start') }), '/ws/start');
  });

  it('is unknown for folders that are not on disk', () => {
    assert.equal(startFolder({ execution: { scheme: 'vscode-remote', fsPath: '/x' }, created: { scheme: 'untitled', fsPath: 'y' } }), undefined);
    assert.equal(startFolder({}), undefined);
  });
});
