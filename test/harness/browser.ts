// Debian's Chromium driven by playwright-core (no browser download), isolated from the home folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { isolatedEnv } from './codeServer';
import { CHROMIUM } from './paths';
import { recordGroup } from './processes';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches headless Chromium; `home` holds its XDG folders. */
export async function launchBrowser(home: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh first`);
  mkdirSync(home, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, ...isolatedEnv(path.join(home, 'chromium')) },
    timeout: 60_000,
    // processes.installCleanup closes it on signals, after which the runner exits.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  recordChildGroups();
  return browser;
}

/** Playwright starts the browser in a group of its own; note it for test.sh's last-resort kill. */
function recordChildGroups(): void {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,pgid=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    for (const line of out.trim().split('\n')) {
      const [pid, pgid] = line.trim().split(/\s+/).map(Number);
      if (pid && pid === pgid) recordGroup(pgid);
    }
  } catch {
    // ps missing or no children: the in-process cleanup still applies.
  }
}
