// A terminal command's output as Session Tree keeps it: plain text, bounded.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OUTPUT_TAIL_BYTES } from '../../src/core/store/commands';
import { OutputTail, plainText } from '../../src/vscode/terminal/outputText';

describe('terminal output', () => {
  it('removes colours, cursor moves and shell-integration marks, and keeps the text', () => {
    const raw = '\x1b]633;C\x07\x1b[1;31merror\x1b[0m: bad\r\nline two\r\n\x1b]0;title\x1b\\done\x1b[K';
    assert.equal(plainText(raw), 'error: bad\nline two\ndone');
  });

  it('keeps only the tail of a long stream and says the start was dropped', () => {
    const tail = new OutputTail();
    for (let i = 0; i < 5000; i++) tail.push(`line ${i}\n`.padEnd(100, '.') + '\n');
    const v = tail.value();
    assert.ok(v.startsWith('[… earlier output not kept]\n'));
    assert.ok(v.length <= OUTPUT_TAIL_BYTES + 40);
    assert.ok(v.includes('line 4999'));
    assert.ok(!v.includes('line 0\n'));
    const short = new OutputTail();
    short.push('ok\n');
    assert.equal(short.value(), 'ok\n');
  });
});

describe('terminal command record as text', () => {
  it('lists each command with its folder, exit code, duration and whether it changed files', async () => {
    const { recordText, outputText } = await import('../../src/vscode/terminal/recordText');
    const session = { id: '2', title: 'Build', terminal: { state: 'ended', shellIntegration: true } } as Parameters<typeof recordText>[0];
    const base = { sessionId: '2', startedAt: 0, outputBytes: 3, outputTruncated: false };
    const text = recordText(session, [
      { ...base, id: '1', command: 'cd sub && export X=1', cwd: '/w', cwdAfter: '/w/sub', exitCode: 0, durationMs: 12 },
      { ...base, id: '2', command: 'make', cwd: '/w/sub', exitCode: 2, durationMs: 1500, checkpointId: '9' },
    ]);
    assert.match(text, /Command record of "Build" \(terminal session, ended\)/);
    assert.match(text, /2 commands: 1 with file changes, 1 failed/);
    assert.match(text, /\$ cd sub && export X=1\n {4}exit 0 · 12 ms · changed no files · .* · in \/w\n {4}left the shell in \/w\/sub/);
    assert.match(text, /\$ make\n {4}exit 2 · 1\.5 s · checkpoint #9 · .* · in \/w\/sub/);
    assert.match(outputText({ ...base, id: '2', command: 'make', durationMs: 1 }, 'hello\n'), /^\$ make\n# .*exit code unknown.*\n# output:\n\nhello\n$/);
  });
});
