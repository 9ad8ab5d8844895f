// The `npm start` server (run by scripts/start.sh after building and packaging): a fresh demo
// workspace and code-server home under .cache/demo/, the packaged extension and the demo driver
// installed, VS Code served on 127.0.0.1 until Ctrl+C.
//
//   node out/scripts/demo/start.js [--port N] [--check | --screenshots]
//
// `--screenshots` takes the README's images from the demo instead of serving it (screenshots.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { launchBrowser } from '../../test/harness/browser';
import { freePort, installExtension, startCodeServer, type CodeServer } from '../../test/harness/codeServer';
import { ARTIFACTS, CACHE, vsixPath } from '../../test/harness/paths';
import { installCleanup, sleep } from '../../test/harness/processes';
import { Workbench } from '../../test/ui/workbench';
import { takeScreenshots } from './screenshots';

const DEMO = path.join(CACHE, 'demo');
const HOME = path.join(DEMO, 'home');
// Named as a project would be: the folder's name is what the window title and the images show.
const WORKSPACE = path.join(DEMO, 'greeter');
const DRIVER_VSIX = path.join(DEMO, 'demo-driver.vsix');

const FILES: Record<string, string> = {
  '.session-tree-demo': 'This file tells the demo driver to fill this workspace\'s session. Delete it to stop that.\n',
  'README.md': '# Greeter\n\nA tiny project to try Session Tree on.\n',
  'NOTES.md': '# Notes\n\n- say hello\n- maybe in other languages\n',
  'src/main.js': "console.log('Hello, world!');\n",
  'package.json': '{\n  "name": "greeter",\n  "version": "1.0.0",\n  "private": true\n}\n',
};

const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'git.openRepositoryInParentFolders': 'never',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  // No "Fetching data for better TypeScript IntelliSense" in the status bar (and no download attempt).
  'typescript.disableAutomaticTypeAcquisition': true,
};

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function portToUse(): Promise<number> {
  const wanted = Number(argValue('--port') ?? process.env.PORT ?? 8080);
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(wanted, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  return free ? wanted : freePort();
}

function prepare(): void {
  rmSync(HOME, { recursive: true, force: true });
  rmSync(WORKSPACE, { recursive: true, force: true });
  for (const [relative, content] of Object.entries(FILES)) {
    const file = path.join(WORKSPACE, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  installExtension(HOME, vsixPath());
  installExtension(HOME, DRIVER_VSIX);
  mkdirSync(path.join(HOME, 'user-data', 'User'), { recursive: true });
  writeFileSync(path.join(HOME, 'user-data', 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
}

/** Opens the demo in headless Chromium, waits until the driver is done, saves a screenshot. */
async function check(server: CodeServer): Promise<boolean> {
  const browser = await launchBrowser(path.join(DEMO, 'browser'));
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const wb = new Workbench(page, WORKSPACE, (_name, fn) => fn());
    await timed('opening the demo in headless Chromium', async () => {
      await page.goto(server.url(WORKSPACE));
      await wb.waitReady();
      await wb.openSessionTree();
    });
    console.log('start: waiting for the demo driver to fill the session…');
    // The driver's last checkpoint, on the first branch after visiting the second.
    const found = await wb.findRow('Document the greeting', 90_000).then(
      () => true,
      () => false,
    );
    await sleep(1000);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'demo.png') });
    console.log(`start: screenshot at ${path.join(ARTIFACTS, 'demo.png')}${found ? '' : ' (the demo checkpoints did not all show up)'}`);
    return found;
  } finally {
    await browser.close();
  }
}

/** One line per step with its time, as scripts/start.sh prints its own. */
async function timed<T>(what: string, run: () => T | Promise<T>): Promise<T> {
  const started = Date.now();
  console.log(`start: ${what}…`);
  const result = await run();
  console.log(`start:   done in ${Math.round((Date.now() - started) / 1000)} s`);
  return result;
}

async function main(): Promise<number> {
  await timed('installing the extension and the demo driver into code-server', prepare);
  installCleanup();
  const port = await portToUse();
  const server = await timed('starting code-server', () => startCodeServer({ home: HOME, port }));
  const url = server.url(WORKSPACE);
  if (process.argv.includes('--screenshots')) {
    try {
      const files = await timed('taking the screenshots', () => takeScreenshots(server, WORKSPACE, DEMO));
      for (const file of files) console.log(`start: ${path.relative(process.cwd(), file)}`);
      return 0;
    } finally {
      await server.stop();
    }
  }
  if (process.argv.includes('--check')) {
    try {
      return (await check(server)) ? 0 : 1;
    } finally {
      await server.stop();
    }
  }
  console.log(`\nSession Tree demo: ${url}\n(VS Code ${server.origin}, log ${path.relative(process.cwd(), server.logFile)}; Ctrl+C stops it)\n`);
  // Serve until Ctrl+C (installCleanup stops code-server) or until code-server ends by itself.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      void fetch(`${server.origin}/healthz`).catch(() => {
        clearInterval(timer);
        resolve();
      });
    }, 2000);
  });
  await server.stop();
  console.log('start: code-server stopped');
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
