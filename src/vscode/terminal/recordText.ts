// A terminal session's command record and one command's output as text for a read-only editor.
// No `vscode` import: tested in plain Node (test/unit/terminalOutput.test.ts).
import type { CommandRecord, SessionInfo } from '../../core/types';

export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** One line about a command: where, how it ended, how long, what it changed. */
export function commandSummary(r: CommandRecord): string {
  return [
    r.exitCode === undefined ? 'exit code unknown' : `exit ${r.exitCode}`,
    duration(r.durationMs),
    r.checkpointId ? `checkpoint #${r.checkpointId}` : 'changed no files',
    new Date(r.startedAt).toLocaleString(),
    r.cwd ? `in ${r.cwd}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}

export function recordText(session: SessionInfo, records: CommandRecord[]): string {
  const state = session.terminal
    ? `${session.terminal.state}${session.terminal.shellIntegration ? '' : ', no shell integration: commands are not recorded one by one'}`
    : 'not a terminal session';
  const failed = records.filter((r) => r.exitCode !== undefined && r.exitCode !== 0).length;
  const head = [
    `Command record of "${session.title}" (terminal session, ${state})`,
    `${records.length} command${records.length === 1 ? '' : 's'}: ${records.filter((r) => r.checkpointId).length} with file changes, ${failed} failed`,
    '',
  ];
  const body = records.map((r) => `$ ${r.command}\n    ${commandSummary(r)}${r.cwdAfter && r.cwdAfter !== r.cwd ? `\n    left the shell in ${r.cwdAfter}` : ''}`);
  return [...head, ...body, ''].join('\n');
}

export function outputText(r: CommandRecord, output: string): string {
  return [`$ ${r.command}`, `# ${commandSummary(r)}`, r.outputTruncated ? `# output: the last 64 KiB of ${r.outputBytes} bytes` : '# output:', '', output].join('\n');
}
