// Runs the integration suite (out/test/integration) inside code-server's extension host, with the
// extension loaded from the working tree (dist/ must be built). code-server opens the workbench
// with the smoke-test driver enabled and an extensionTestsPath payload; Chromium is just the window
// that hosts it. Prints every test, then `N passed, N failed`; exit code 0 only when all passed.
//
//   node out/test/harness/runIntegration.js [--timeout SECONDS]
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { SuiteResult } from '../integration/index';
import { launchBrowser } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { ARTIFACTS, ROOT } from './paths';
import { installCleanup, withTimeout } from './processes';

const HOME = path.join(ARTIFACTS, 'integration');
const RESULT = path.join(HOME, 'result.json');
const WORKSPACE = path.join(HOME, 'workspace');
const LOG = path.join(HOME, 'extension-host.log');

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A small workspace the suite opens; tests may add to it. */
function makeWorkspace(): void {
  mkdirSync(path.join(WORKSPACE, 'src'), { recursive: true });
  writeFileSync(path.join(WORKSPACE, 'README.md'), '# Integration workspace\n\nFiles for the Session Tree integration suite.\n');
  writeFileSync(path.join(WORKSPACE, 'src', 'app.js'), "console.log('hello');\n");
  writeFileSync(path.join(WORKSPACE, 'notes.txt'), 'one\ntwo\nthree\n');
}

function printSummary(result: SuiteResult): void {
  for (const test of result.tests) {
    const mark = test.state === 'passed' ? '✓' : test.state === 'failed' ? '✗' : '-';
    const time = test.durationMs !== undefined ? ` (${test.durationMs} ms)` : '';
    console.log(`  ${mark} ${test.title}${test.state === 'pending' ? ' (pending)' : time}`);
  }
  for (const test of result.tests.filter((t) => t.state === 'failed')) {
    console.log(`\n✗ ${test.title}\n${(test.error ?? '').replace(/^/gm, '    ')}`);
  }
  if (result.error) console.log(`\nthe suite did not run: ${result.error}`);
}

async function main(): Promise<number> {
  const timeoutMs = Number(argValue('--timeout') ?? 300) * 1000;
  if (!existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build`');
  if (!existsSync(path.join(ROOT, 'out', 'test', 'integration', 'index.js'))) throw new Error('out/test/integration is missing: run `npm run build:tests`');
  rmSync(HOME, { recursive: true, force: true });
  mkdirSync(HOME, { recursive: true });
  makeWorkspace();
  // Other programs' changes wait for the tests' own checkpoints (recording.test.ts turns the external seal on).
  mkdirSync(path.join(HOME, 'code-server', 'user-data', 'User'), { recursive: true });
  writeFileSync(path.join(HOME, 'code-server', 'user-data', 'User', 'settings.json'), JSON.stringify({ 'sessionTree.capture.externalQuietTime': 0 }, null, 2));

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  installCleanup(async () => {
    await browser?.close().catch(() => undefined);
  });
  try {
    server = await startCodeServer({
      home: path.join(HOME, 'code-server'),
      args: ['--vscode-option', 'enable-smoke-test-driver'],
      env: { SESSION_TREE_TEST_RESULT: RESULT, SESSION_TREE_TEST_WORKSPACE: WORKSPACE },
    });
    browser = await launchBrowser(path.join(HOME, 'browser'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server!.port}${p}`;
    const exited = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: unknown) => resolve(Number(code)));
    });
    page.on('console', (message) => appendFileSync(LOG, `[console.${message.type()}] ${message.text()}\n`));
    const url = server.url(WORKSPACE, [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(path.join(ROOT, 'out', 'test', 'integration', 'index.js'))],
    ]);
    await page.goto(url);
    let code: number;
    try {
      code = await withTimeout(exited, timeoutMs, 'integration suite');
    } catch (error) {
      await page.screenshot({ path: path.join(HOME, 'timeout.png') }).catch(() => undefined);
      throw error;
    }
    const result: SuiteResult = existsSync(RESULT)
      ? (JSON.parse(readFileSync(RESULT, 'utf8')) as SuiteResult)
      : { passed: 0, failed: 1, pending: 0, tests: [], error: `the suite ended (code ${code}) without writing ${RESULT}; see ${LOG}` };
    printSummary(result);
    const failed = result.failed + (code !== 0 && result.failed === 0 ? 1 : 0);
    if (code !== 0 && result.failed === 0 && !result.error) console.log(`\nthe extension host reported failure (code ${code}); see ${LOG}`);
    console.log(`\nintegration: ${result.passed} passed, ${failed} failed`);
    return failed === 0 && result.passed > 0 ? 0 : 1;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.log('\nintegration: 0 passed, 1 failed');
    process.exit(1);
  },
);
