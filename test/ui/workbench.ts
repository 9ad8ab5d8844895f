// A person's hands on the VS Code workbench (code-server in Chromium): open views, click tree rows,
// run palette commands, answer inputs and dialogs, type in editors and the terminal. Selectors are
// the workbench's own (roles, aria labels, stable class names), kept here in one place.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** What the extension contributes, as a person sees it. */
export const UI = {
  container: 'Session Tree',
  sessionsView: 'Sessions',
  category: 'Session Tree',
} as const;

export type StepFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export class Workbench {
  constructor(
    readonly page: Page,
    /** Absolute path of the workspace folder that is open. */
    readonly workspace: string,
    /** Runs `fn` as a named step and screenshots the window after it. */
    readonly step: StepFn,
  ) {}

  // ---- files on disk (the test reads and writes them the way another tool would) ----

  file(relative: string): string {
    return path.join(this.workspace, relative);
  }

  read(relative: string): string | undefined {
    const file = this.file(relative);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  /** Writes a file from outside VS Code, as another program would. */
  writeOutside(relative: string, content: string): void {
    writeFileSync(this.file(relative), content);
  }

  /** Waits until the file on disk has `content` (undefined: the file is absent). */
  async expectFile(relative: string, content: string | undefined, timeoutMs = 15_000): Promise<void> {
    await poll(
      () => this.read(relative) === content,
      timeoutMs,
      () => `${relative} on disk is ${JSON.stringify(this.read(relative))}, expected ${JSON.stringify(content)}`,
    );
  }

  // ---- the workbench ----

  async waitReady(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.activitybar').waitFor({ timeout: 30_000 });
  }

  activityBarEntry(): Locator {
    return this.page.locator(`.activitybar [aria-label^="${UI.container}"]`).first();
  }

  sessionsTree(): Locator {
    return this.page.locator('.sidebar').getByRole('tree', { name: UI.sessionsView, exact: true });
  }

  /** Opens the Session Tree container (clicking its activity-bar entry would close it when open). */
  async openSessionTree(): Promise<void> {
    await this.activityBarEntry().waitFor({ timeout: 30_000 });
    if (!(await this.sessionsTree().isVisible())) await this.activityBarEntry().click();
    await this.sessionsTree().waitFor({ timeout: 30_000 });
  }

  /** A row of the Sessions tree; its accessible name is "label description". */
  row(name: string | RegExp): Locator {
    return this.sessionsTree().getByRole('treeitem', { name: toRegExp(name) }).first();
  }

  /** The label of a tree row, without its description. */
  async rowLabel(row: Locator): Promise<string> {
    return (await row.locator('.label-name').first().innerText()).trim();
  }

  async waitRow(name: string | RegExp, timeoutMs = 20_000): Promise<Locator> {
    const row = this.row(name);
    await row.waitFor({ timeout: timeoutMs });
    return row;
  }

  /** The accessible names of the visible rows of the Sessions tree, top to bottom. */
  async rowNames(): Promise<string[]> {
    const rows = this.sessionsTree().getByRole('treeitem');
    const names: string[] = [];
    for (let i = 0; i < (await rows.count()); i++) names.push((await rows.nth(i).getAttribute('aria-label')) ?? '');
    return names;
  }

  async expand(row: Locator): Promise<void> {
    if ((await row.getAttribute('aria-expanded')) === 'false') {
      await row.locator('.monaco-tl-twistie').click();
      await poll(async () => (await row.getAttribute('aria-expanded')) === 'true', 10_000, () => 'the row did not expand');
    }
  }

  /**
   * Finds a row of the Sessions tree, expanding the lines a rewind left behind ("Rewound line",
   * "⎇ branch") and collapsed branches until it shows.
   */
  async findRow(name: string | RegExp, timeoutMs = 20_000): Promise<Locator> {
    const row = this.row(name);
    await poll(
      async () => {
        if (await row.isVisible()) return true;
        const collapsed = this.sessionsTree()
          .locator('[role="treeitem"][aria-expanded="false"]')
          .filter({ has: this.page.locator('.codicon-repo-forked, .codicon-git-branch') });
        if ((await collapsed.count()) > 0) await collapsed.first().locator('.monaco-tl-twistie').click();
        return false;
      },
      timeoutMs,
      async () => `no row ${String(name)} among ${JSON.stringify(await this.rowNames())}`,
      400,
    );
    return row;
  }

  /** A row of another tree in the side bar (the restore results), by its accessible name. */
  sideBarRow(name: string | RegExp): Locator {
    return this.page.locator('.sidebar').getByRole('treeitem', { name: toRegExp(name) }).first();
  }

  /** Hovers a row and returns the text of the hover it shows. */
  async hoverText(row: Locator): Promise<string> {
    await this.page.mouse.move(0, 0);
    await row.hover();
    const hover = this.page.locator('.monaco-hover:visible, .workbench-hover:visible').first();
    await hover.waitFor({ timeout: 10_000 });
    await this.page.waitForTimeout(300); // the tooltip of a checkpoint is resolved lazily
    return (await hover.innerText()).replace(/\s+/g, ' ');
  }

  /** Expands every collapsed row of the Sessions tree, breadth first, until none is left (bounded). */
  async expandAll(maxRounds = 6): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      const collapsed = this.sessionsTree().locator('[role="treeitem"][aria-expanded="false"]');
      if ((await collapsed.count()) === 0) return;
      await collapsed.first().locator('.monaco-tl-twistie').click();
      await this.page.waitForTimeout(300);
    }
  }

  /** Right-clicks `row` and picks a context-menu entry. */
  async contextMenu(row: Locator, entry: string): Promise<void> {
    await row.click({ button: 'right' });
    const item = this.page.locator('.context-view .monaco-menu .action-label', { hasText: exact(entry) });
    await item.first().waitFor({ timeout: 10_000 });
    await item.first().click();
  }

  /** Clicks a view-title action of the Sessions view (hover first: they show on hover/focus). */
  async viewTitleAction(title: string): Promise<void> {
    const sidebar = this.page.locator('.sidebar');
    await this.sessionsTree().hover();
    const action = sidebar.locator(`.actions-container .action-label[aria-label^="${title}"]`).first();
    if (await action.isVisible()) {
      await action.click();
      return;
    }
    // Not in the navigation group: behind "More Actions…".
    await sidebar.locator('.actions-container .action-label[aria-label^="More Actions"]').first().click();
    await this.page.locator('.context-view .monaco-menu .action-label', { hasText: title }).first().click();
  }

  /** Runs `Category: title` from the command palette. */
  async command(title: string, category: string = UI.category): Promise<void> {
    const full = category ? `${category}: ${title}` : title;
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.quickInput();
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${full.replace(/…$/, '')}`);
    const option = this.page.locator('.quick-input-list [role="option"]', { hasText: full }).first();
    await option.waitFor({ timeout: 10_000 });
    await option.click();
  }

  quickInput(): Locator {
    return this.page.locator('.quick-input-widget input.input').first();
  }

  /** Answers the input box a command opened (not the palette itself): replaces any default text. */
  async answerInput(text: string): Promise<void> {
    const input = this.quickInput();
    await poll(
      async () => (await input.isVisible()) && !(await input.inputValue()).startsWith('>'),
      10_000,
      () => 'no input box opened',
    );
    await input.fill(text);
    await this.page.waitForTimeout(150);
    await input.press('Enter');
  }

  /** Picks an entry of the quick pick a command opened. */
  async pick(label: string | RegExp): Promise<void> {
    const option = this.page.locator('.quick-input-list [role="option"]').filter({ hasText: toRegExp(label) }).first();
    await option.waitFor({ timeout: 10_000 });
    await option.click();
  }

  /** Clicks a button of a modal dialog. */
  async dialog(button: string | RegExp): Promise<string> {
    const box = this.page.locator('.monaco-dialog-box');
    await box.waitFor({ timeout: 10_000 });
    const message = (await box.locator('.dialog-message-text, .dialog-message').first().textContent()) ?? '';
    await box.getByRole('button', { name: toRegExp(button) }).first().click();
    await box.waitFor({ state: 'hidden', timeout: 10_000 });
    return message;
  }

  async statusBarText(): Promise<string> {
    return (await this.page.locator('.part.statusbar').innerText()).replace(/\s+/g, ' ');
  }

  // ---- editors ----

  /** Opens a workspace file by name through Quick Open (Ctrl+P). */
  async openFile(relative: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+P');
    const input = this.quickInput();
    await input.waitFor({ timeout: 10_000 });
    await input.fill(relative);
    const option = this.page.locator('.quick-input-list [role="option"]', { hasText: path.basename(relative) }).first();
    await option.waitFor({ timeout: 10_000 });
    await input.press('Enter');
    await this.activeTab(path.basename(relative)).waitFor({ timeout: 10_000 });
    await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  }

  activeTab(name: string): Locator {
    return this.page.locator('.editor-group-container.active .tab.active', { hasText: name }).first();
  }

  /** Replaces the whole text of the focused editor by typing (as a person, without saving). */
  async typeReplacingAll(text: string): Promise<void> {
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.type(text, { delay: 5 });
  }

  async save(): Promise<void> {
    await this.page.keyboard.press('Control+S');
  }

  /** The text shown by the active editor's model, read through the visible lines. */
  async editorText(): Promise<string> {
    const lines = this.page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line');
    return (await lines.allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
  }

  /** Whether the active tab shows the unsaved-changes mark. */
  async activeTabDirty(): Promise<boolean> {
    const tab = this.page.locator('.editor-group-container.active .tab.active').first();
    return ((await tab.getAttribute('class')) ?? '').includes('dirty');
  }

  /** Waits for a diff editor to be the active editor. */
  async expectDiffEditor(timeoutMs = 15_000): Promise<void> {
    await this.page.locator('.editor-group-container.active .monaco-diff-editor').first().waitFor({ timeout: timeoutMs });
  }

  // ---- the integrated terminal ----

  async openTerminal(): Promise<void> {
    await this.command('Terminal: Create New Terminal', '');
    await this.page.locator('.terminal-wrapper .xterm').first().waitFor({ timeout: 20_000 });
    await this.page.waitForTimeout(1500); // the shell prints its prompt and loads shell integration
  }

  /** Types a command line into the focused terminal and presses Enter. */
  async runInTerminal(commandLine: string): Promise<void> {
    await this.page.locator('.terminal-wrapper .xterm').first().click();
    await this.page.keyboard.type(commandLine, { delay: 5 });
    await this.page.keyboard.press('Enter');
  }
}

export async function poll(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  message: () => string | Promise<string>,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Treat as not yet.
    }
    if (Date.now() > deadline) throw new Error(await message());
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function toRegExp(pattern: string | RegExp): RegExp {
  return typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern;
}

function exact(text: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`);
}
