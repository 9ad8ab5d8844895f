// Entry of the integration suite inside VS Code's extension host (code-server or desktop VS Code
// through @vscode/test-electron): runs every `*.test.js` beside this file with mocha (bdd, real
// `vscode` API). The launcher reads the result file named by SESSION_TREE_TEST_RESULT, because
// code-server does not exit when the tests end.
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export interface SuiteResult {
  passed: number;
  failed: number;
  pending: number;
  tests: { title: string; state: 'passed' | 'failed' | 'pending'; durationMs?: number; error?: string }[];
  /** Set when the suite could not run at all. */
  error?: string;
}

function testFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...testFiles(full));
    else if (entry.name.endsWith('.test.js')) files.push(full);
  }
  return files.sort();
}

function writeResult(result: SuiteResult): void {
  const file = process.env.SESSION_TREE_TEST_RESULT;
  if (file) writeFileSync(file, JSON.stringify(result, null, 2));
}

export function run(): Promise<void> {
  const result: SuiteResult = { passed: 0, failed: 0, pending: 0, tests: [] };
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.SESSION_TREE_TEST_TIMEOUT ?? 30_000),
    grep: process.env.SESSION_TREE_TEST_GREP || undefined,
  });
  try {
    for (const file of testFiles(__dirname)) mocha.addFile(file);
  } catch (error) {
    result.error = String(error);
    writeResult(result);
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        writeResult(result);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
      runner.on('pass', (test) => {
        result.passed++;
        result.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
      });
      runner.on('fail', (test, error: Error) => {
        result.failed++;
        result.tests.push({ title: test.fullTitle(), state: 'failed', error: error.stack ?? String(error) });
      });
      runner.on('pending', (test) => {
        result.pending++;
        result.tests.push({ title: test.fullTitle(), state: 'pending' });
      });
    } catch (error) {
      result.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
      writeResult(result);
      reject(error);
    }
  });
}
