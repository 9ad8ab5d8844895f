// Runs the UI scenarios (test/ui/scenarios) against the packaged .vsix: installs it into a fresh
// code-server, opens each scenario's own workspace in one shared headless Chromium, and acts the
// scenario out as a person would. Every step is screenshotted into .artifacts/ui/screenshots/.
// Prints each scenario, then `N passed, N failed`; exit code 0 only when all passed.
//
//   node out/test/harness/runUi.js [--only 1,3] [--scenario-timeout SECONDS] [--vsix FILE]
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { scenarios } from '../ui/scenarios';
import { Workbench, type StepFn } from '../ui/workbench';
import { launchBrowser } from './browser';
import { installExtension, startCodeServer, type CodeServer } from './codeServer';
import { ARTIFACTS, vsixPath } from './paths';
import { USER_SETTINGS } from './userSettings';
import { installCleanup, withTimeout } from './processes';

const HOME = path.join(ARTIFACTS, 'ui');
const SHOTS = path.join(HOME, 'screenshots');

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function writeWorkspace(dir: string, files: Record<string, string>, settings?: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  if (settings) {
    mkdirSync(path.join(dir, '.vscode'), { recursive: true });
    writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  }
}

interface Outcome {
  name: string;
  passed: boolean;
  ms: number;
  error?: string;
  shots: string;
}

async function runScenario(server: CodeServer, browser: Browser, index: number, timeoutMs: number): Promise<Outcome> {
  const scenario = scenarios[index - 1]!;
  const id = `${pad(index)}-${slug(scenario.name)}`;
  const workspace = path.join(HOME, 'workspaces', id);
  const shots = path.join(SHOTS, id);
  mkdirSync(shots, { recursive: true });
  writeWorkspace(workspace, scenario.files, scenario.settings);
  const started = Date.now();
  let context: BrowserContext | undefined;
  let stepNo = 0;
  let current = 'open the workspace';
  const logFile = path.join(shots, 'console.log');
  try {
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') appendFileSync(logFile, `[${m.type()}] ${m.text()}\n`);
    });
    const step: StepFn = async (name, fn) => {
      current = name;
      const value = await fn();
      stepNo++;
      await page.screenshot({ path: path.join(shots, `${pad(stepNo)}-${slug(name)}.png`) });
      return value;
    };
    const wb = new Workbench(page, workspace, step, server.userDataDir);
    await withTimeout(
      (async () => {
        await step('open the workspace', async () => {
          await page.goto(server.url(workspace));
          await wb.waitReady();
        });
        await scenario.run(wb);
      })(),
      timeoutMs,
      `scenario "${scenario.name}"`,
    ).catch(async (error: unknown) => {
      stepNo++;
      await page.screenshot({ path: path.join(shots, `${pad(stepNo)}-FAILED-${slug(current)}.png`) }).catch(() => undefined);
      throw error;
    });
    return { name: scenario.name, passed: true, ms: Date.now() - started, shots };
  } catch (error) {
    // Playwright appends the browser's whole log to some errors: keep the part that says what broke.
    const full = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const message = full.split('\n').filter((line) => !line.includes('[pid=')).slice(0, 25).join('\n');
    return { name: scenario.name, passed: false, ms: Date.now() - started, error: `step "${current}": ${message}`, shots };
  } finally {
    await context?.close().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const vsix = argValue('--vsix') ?? vsixPath();
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\``);
  const only = argValue('--only')?.split(',').map(Number);
  const timeoutMs = Number(argValue('--scenario-timeout') ?? 180) * 1000;
  rmSync(HOME, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });

  const serverHome = path.join(HOME, 'code-server');
  installExtension(serverHome, vsix);
  mkdirSync(path.join(serverHome, 'user-data', 'User'), { recursive: true });
  writeFileSync(path.join(serverHome, 'user-data', 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  installCleanup(async () => {
    await browser?.close().catch(() => undefined);
  });
  const outcomes: Outcome[] = [];
  try {
    // A closed window's extension host ends soon after, instead of waiting hours for a reconnect.
    server = await startCodeServer({ home: serverHome, args: ['--reconnection-grace-time', '5'] });
    browser = await launchBrowser(path.join(HOME, 'browser'));
    for (let i = 1; i <= scenarios.length; i++) {
      if (only && !only.includes(i)) continue;
      const outcome = await runScenario(server, browser, i, timeoutMs);
      outcomes.push(outcome);
      const seconds = (outcome.ms / 1000).toFixed(1);
      console.log(`  ${outcome.passed ? '✓' : '✗'} ${i}. ${outcome.name} (${seconds} s)`);
      if (!outcome.passed) console.log(`${outcome.error!.replace(/^/gm, '      ')}\n      screenshots: ${path.relative(process.cwd(), outcome.shots)}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
  const passed = outcomes.filter((o) => o.passed).length;
  const failed = outcomes.length - passed;
  console.log(`\nscreenshots: ${path.relative(process.cwd(), SHOTS)}`);
  console.log(`ui: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    console.log('ui: 0 passed, 1 failed');
    process.exit(1);
  },
);
