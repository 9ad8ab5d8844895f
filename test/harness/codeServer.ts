// Starts code-server (a real VS Code workbench and extension host, from .cache/) on 127.0.0.1 and
// stops it as a process group.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CODE_SERVER_ENTRY, NODE24 } from './paths';
import { killGroup, sleep, spawnGroup } from './processes';

export interface CodeServerOptions {
  /** Folder for user data, extensions, XDG homes and the log; created if missing. */
  home: string;
  /** Fixed port (default: a free one). */
  port?: number;
  /** Extra command-line arguments, e.g. `['--vscode-option', 'enable-smoke-test-driver']`. */
  args?: string[];
  /** Extra environment for code-server and so for the extension host. */
  env?: NodeJS.ProcessEnv;
}

export interface CodeServer {
  port: number;
  origin: string;
  extensionsDir: string;
  userDataDir: string;
  logFile: string;
  /** The workbench URL opening `folder`, with an optional `payload` (smoke-test-driver options). */
  url(folder: string, payload?: [string, string][]): string;
  stop(): Promise<void>;
}

export function checkInstalled(): void {
  for (const file of [NODE24, CODE_SERVER_ENTRY]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/setup.sh first`);
  }
}

/** XDG folders inside `home`, so neither code-server nor Chromium writes into the real home folder. */
export function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    XDG_CONFIG_HOME: path.join(home, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(home, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(home, 'xdg', 'cache'),
  };
  for (const dir of Object.values(env)) mkdirSync(dir!, { recursive: true });
  return env;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function dirs(home: string) {
  return {
    userDataDir: path.join(home, 'user-data'),
    extensionsDir: path.join(home, 'extensions'),
    logFile: path.join(home, 'code-server.log'),
  };
}

/** `code-server --install-extension` for a .vsix, into the extensions folder of `home`. */
export function installExtension(home: string, vsix: string): void {
  checkInstalled();
  const { userDataDir, extensionsDir } = dirs(home);
  mkdirSync(extensionsDir, { recursive: true });
  const result = spawnSync(
    NODE24,
    [CODE_SERVER_ENTRY, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--force', '--install-extension', vsix],
    { env: { ...process.env, ...isolatedEnv(home) }, encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) {
    throw new Error(`installing ${vsix} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  checkInstalled();
  const { home } = options;
  const { userDataDir, extensionsDir, logFile } = dirs(home);
  for (const dir of [home, userDataDir, extensionsDir]) mkdirSync(dir, { recursive: true });
  const config = path.join(home, 'config.yaml');
  writeFileSync(config, 'auth: none\n');
  const port = options.port ?? (await freePort());
  const args = [
    CODE_SERVER_ENTRY,
    '--config', config,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(options.args ?? []),
  ];
  const log = createWriteStream(logFile, { flags: 'a' });
  // VS Code puts its IPC sockets (vscode-ipc-*, vscode-git-*) in the temp folder: a short one of
  // our own (socket paths are limited to 107 bytes), removed when code-server stops.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'st-cs-'));
  const proc = spawnGroup('code-server', NODE24, args, {
    env: { ...process.env, ...isolatedEnv(home), TMPDIR: tmp, ...options.env },
  });
  proc.child.stdout?.pipe(log);
  proc.child.stderr?.pipe(log);
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await killGroup(proc);
    log.end();
    rmSync(tmp, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      await stop();
      throw new Error(`code-server exited early (${proc.child.exitCode ?? proc.child.signalCode}); see ${logFile}`);
    }
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${origin}/healthz within 60 s; see ${logFile}`);
    }
    await sleep(250);
  }

  return {
    port,
    origin,
    extensionsDir,
    userDataDir,
    logFile,
    url(folder, payload) {
      let url = `${origin}/?folder=${encodeURIComponent(folder)}`;
      if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return url;
    },
    stop,
  };
}
