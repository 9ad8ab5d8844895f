// The same integration suite in desktop VS Code through @vscode/test-electron (`npm run test:electron`).
// Needs internet to download VS Code, or VSCODE_EXECUTABLE_PATH pointing at a local `code` binary
// (VSCODE_VERSION picks a version to download). Not part of CI here: no VS Code download is reachable.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import type { SuiteResult } from '../integration/index';
import { ARTIFACTS, ROOT } from './paths';

const HOME = path.join(ARTIFACTS, 'integration-electron');
const RESULT = path.join(HOME, 'result.json');
const WORKSPACE = path.join(HOME, 'workspace');

async function main(): Promise<number> {
  if (!existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build`');
  rmSync(HOME, { recursive: true, force: true });
  mkdirSync(path.join(WORKSPACE, 'src'), { recursive: true });
  writeFileSync(path.join(WORKSPACE, 'README.md'), '# Integration workspace\n\nFiles for the Session Tree integration suite.\n');
  writeFileSync(path.join(WORKSPACE, 'src', 'app.js'), "console.log('hello');\n");
  writeFileSync(path.join(WORKSPACE, 'notes.txt'), 'one\ntwo\nthree\n');

  let code: number;
  try {
    code = await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
      version: process.env.VSCODE_VERSION || undefined,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'test', 'integration', 'index.js'),
      extensionTestsEnv: { SESSION_TREE_TEST_RESULT: RESULT, SESSION_TREE_TEST_WORKSPACE: WORKSPACE },
      launchArgs: [
        WORKSPACE,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', path.join(HOME, 'user-data'),
        '--extensions-dir', path.join(HOME, 'extensions'),
      ],
    });
  } catch (error) {
    // runTests rejects on a non-zero exit too; the result file, when written, tells more.
    if (!existsSync(RESULT)) throw error;
    code = 1;
  }
  const result = JSON.parse(readFileSync(RESULT, 'utf8')) as SuiteResult;
  console.log(`\nintegration (electron): ${result.passed} passed, ${result.failed} failed`);
  return code === 0 && result.failed === 0 && result.passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.log('\nintegration (electron): 0 passed, 1 failed');
    process.exit(1);
  },
);
