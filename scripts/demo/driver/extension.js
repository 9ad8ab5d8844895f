// Demo driver for `npm start`: in a workspace holding `.session-tree-demo`, drives Session Tree's API
// the way an agent would — announce files, write them, seal a checkpoint — to leave a session with
// a few checkpoints on two branches, so the tree has something to show. Runs once per workspace.
'use strict';
const vscode = require('vscode');

const EXTENSION_ID = 'sessiontree.session-tree';

/** Each step: files to write (relative path → content; null removes), then a checkpoint. */
const STEPS = [
  {
    label: 'Add a greeting',
    prompt: 'Add a greet() function and use it in main',
    tools: ['write_file'],
    files: {
      'src/greet.js': "function greet(name) {\n  return `Hello, ${name}!`;\n}\n\nmodule.exports = { greet };\n",
      'src/main.js': "const { greet } = require('./greet');\n\nconsole.log(greet('world'));\n",
    },
  },
  {
    label: 'Add a test',
    prompt: 'Write a test for greet()',
    tools: ['write_file'],
    files: {
      'test/greet.test.js':
        "const assert = require('node:assert');\nconst { greet } = require('../src/greet');\n\nassert.strictEqual(greet('Ada'), 'Hello, Ada!');\n",
    },
  },
  { branch: 'experiment' },
  {
    label: 'Shout the greeting',
    prompt: 'Make the greeting louder',
    tools: ['edit_file'],
    files: {
      'src/greet.js': "function greet(name) {\n  return `HELLO, ${name.toUpperCase()}!!!`;\n}\n\nmodule.exports = { greet };\n",
      'test/greet.test.js':
        "const assert = require('node:assert');\nconst { greet } = require('../src/greet');\n\nassert.strictEqual(greet('Ada'), 'HELLO, ADA!!!');\n",
    },
  },
  {
    label: 'Drop the old notes',
    prompt: 'Remove NOTES.md, it is out of date',
    tools: ['delete_file'],
    files: { 'NOTES.md': null },
  },
  { checkout: '' }, // back to the branch the session started on
  {
    label: 'Greet in French too',
    prompt: 'Add a French greeting',
    tools: ['edit_file'],
    files: {
      'src/greet.js':
        "function greet(name, lang = 'en') {\n  return lang === 'fr' ? `Bonjour, ${name} !` : `Hello, ${name}!`;\n}\n\nmodule.exports = { greet };\n",
      'src/main.js': "const { greet } = require('./greet');\n\nconsole.log(greet('world'));\nconsole.log(greet('monde', 'fr'));\n",
    },
  },
  {
    label: 'Document the greeting',
    prompt: 'Describe greet() in the README',
    tools: ['edit_file'],
    files: {
      'README.md':
        '# Greeter\n\nA tiny project to try Session Tree on.\n\n`greet(name, lang)` returns a greeting in English or French.\n',
    },
  },
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeStep(root, files) {
  const uris = Object.keys(files).map((rel) => vscode.Uri.joinPath(root, rel));
  await api.willEdit(uris);
  for (const [rel, content] of Object.entries(files)) {
    const uri = vscode.Uri.joinPath(root, rel);
    if (content === null) await vscode.workspace.fs.delete(uri);
    else await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
  }
}

/** The checkpoint appears once the extension has seen the writes; retry while it reports no change. */
async function checkpoint(step) {
  for (let attempt = 0; attempt < 20; attempt++) {
    await sleep(300);
    const created = await api.createCheckpoint({ label: step.label, source: 'agent', prompt: step.prompt, tools: step.tools });
    if (created) return created;
  }
  throw new Error(`no checkpoint for "${step.label}": the extension saw no change`);
}

let api;

async function seed(log) {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (!folder) return;
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  api = await extension.activate();
  if (!api || api.version !== 1) throw new Error(`${EXTENSION_ID} gave no version-1 API`);
  await api.ready;
  const existing = await api.checkpoints();
  if (existing.length > 1) {
    log('the demo session is there already');
    return;
  }
  const session = await api.activeSession();
  const base = session ? session.activeBranch : 'main';
  for (const step of STEPS) {
    if (step.branch) {
      await api.createBranch(step.branch);
      await api.checkout(step.branch);
      log(`branch ${step.branch}`);
    } else if (step.checkout !== undefined) {
      await api.checkout(step.checkout || base);
      log(`checked out ${step.checkout || base}`);
    } else {
      await writeStep(folder.uri, step.files);
      await checkpoint(step);
      log(`checkpoint "${step.label}"`);
    }
  }
  log('demo ready');
}

exports.activate = function activate(context) {
  const channel = vscode.window.createOutputChannel('Session Tree Demo');
  context.subscriptions.push(channel);
  const log = (line) => channel.appendLine(`[${new Date().toISOString()}] ${line}`);
  seed(log).then(
    () => vscode.commands.executeCommand('workbench.view.extension.sessionTree').then(undefined, () => undefined),
    (error) => {
      log(`failed: ${error && error.stack ? error.stack : error}`);
      void vscode.window.showErrorMessage(`Session Tree demo: ${error && error.message ? error.message : error}`);
    },
  );
};

exports.deactivate = function deactivate() {};
