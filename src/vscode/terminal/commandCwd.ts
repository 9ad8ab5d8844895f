// Where a terminal command ran. No `vscode` import: tested in plain Node (test/unit/commandCwd.test.ts).

/** A folder as VS Code reports it: a URI (only `file` ones name a folder on disk). */
export interface FolderUri {
  readonly scheme: string;
  readonly fsPath: string;
}

/**
 * The folder a command starts in, from what is known when it starts: the execution's cwd, else
 * the shell's current one, else the terminal's, else the folder the terminal was created in. It
 * must be taken at the start: the shell's cwd at the end is where the command left it (after
 * `cd X && …`, X).
 */
export function startFolder(at: {
  execution?: FolderUri;
  shell?: FolderUri;
  terminal?: FolderUri;
  created?: string | FolderUri;
}): string | undefined {
  const cwd = at.execution ?? at.shell ?? at.terminal;
  if (cwd?.scheme === 'file') return cwd.fsPath;
  if (typeof at.created === 'string') return at.created;
  return at.created?.scheme === 'file' ? at.created.fsPath : undefined;
}
