// A person's hands on the VS Code workbench (code-server in Chromium): open views, click tree rows,
// run palette commands, answer inputs and dialogs, type in editors and the terminal. Selectors are
// the workbench's own (roles, aria labels, stable class names), kept here in one place.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
    /** code-server's user data folder (its logs: what the extension wrote to its output channel). */
    readonly userDataDir?: string,
  ) {}

  /** Every line Session Tree wrote to its log, in every window this code-server opened so far. */
  extensionLog(): string[] {
    const logs = this.userDataDir ? path.join(this.userDataDir, 'logs') : '';
    if (!logs || !existsSync(logs)) return [];
    const out: string[] = [];
    for (const run of readdirSync(logs)) {
      for (const host of readdirSync(path.join(logs, run)).filter((d) => d.startsWith('exthost'))) {
        const file = path.join(logs, run, host, 'sessiontree.session-tree', 'Session Tree.log');
        if (existsSync(file)) out.push(...readFileSync(file, 'utf8').split('\n'));
      }
    }
    return out;
  }

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
    const entry = this.activityBarEntry();
    await entry.waitFor({ timeout: 30_000 });
    // After a reload the workbench may restore the container a moment later: a click then would
    // close it. Click only while the entry is not the active one, and wait while it is.
    let waited = 0;
    await poll(
      async () => {
        if (await this.sessionsTree().isVisible()) return true;
        const active = await entry.evaluate((e) => e.closest('.action-item')?.classList.contains('checked') ?? false);
        // Active for 5 s and still nothing shown: the side bar itself is hidden; the click opens it.
        if (!active || ++waited >= 5) {
          waited = 0;
          await entry.click();
        }
        return false;
      },
      30_000,
      () => 'the Sessions view did not open',
      1_000,
    );
    await this.widenSideBar();
  }

  /** Drags the side bar's edge so labels and descriptions are readable in screenshots (best effort). */
  async widenSideBar(width = 560): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box || box.width >= width - 10) return;
    await this.setSideBarWidth(width);
  }

  /** Drags the side bar's edge so the side bar is `width` pixels wide, narrower or wider (best effort). */
  async setSideBarWidth(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box) return;
    const edge = box.x + box.width;
    const sashes = this.page.locator('.monaco-sash.vertical');
    for (let i = 0; i < (await sashes.count()); i++) {
      const sash = await sashes.nth(i).boundingBox();
      if (!sash || Math.abs(sash.x + sash.width / 2 - edge) > 6 || sash.height < box.height / 2) continue;
      const x = sash.x + sash.width / 2;
      const y = box.y + box.height / 2;
      await this.page.mouse.move(x, y);
      await this.page.mouse.down();
      await this.page.mouse.move(box.x + width, y, { steps: 8 });
      await this.page.mouse.up();
      await this.page.mouse.move(box.x + width + 200, y);
      return;
    }
  }

  /**
   * A row of the Sessions tree by its label: the exact text, or a pattern. (Its accessible name is
   * not used: VS Code makes it the tooltip when the tooltip is plain text.)
   */
  row(label: string | RegExp): Locator {
    return rowIn(this.sessionsTree(), label);
  }

  /** What a person reads on a row: "label description". */
  async rowText(row: Locator): Promise<string> {
    const label = (await row.locator('.label-name').first().innerText()).trim();
    const description = row.locator('.label-description');
    const text = (await description.count()) > 0 ? (await description.first().innerText()).trim() : '';
    return text ? `${label} ${text}` : label;
  }

  /** The label of a tree row, without its description. */
  async rowLabel(row: Locator): Promise<string> {
    return (await row.locator('.label-name').first().innerText()).trim();
  }

  async waitRow(label: string | RegExp, timeoutMs = 20_000): Promise<Locator> {
    const row = this.row(label);
    await row.waitFor({ timeout: timeoutMs });
    return row;
  }

  /** What the visible rows of the Sessions tree read, top to bottom (for error messages). */
  async rowNames(): Promise<string[]> {
    const rows = this.sessionsTree().getByRole('treeitem');
    const names: string[] = [];
    for (let i = 0; i < (await rows.count()); i++) names.push(await this.rowText(rows.nth(i)).catch(() => '?'));
    return names;
  }

  async expand(row: Locator): Promise<void> {
    if ((await row.getAttribute('aria-expanded')) === 'false') {
      await row.locator('.monaco-tl-twistie').click();
      await poll(async () => (await row.getAttribute('aria-expanded')) === 'true', 10_000, () => 'the row did not expand');
    }
  }

  /**
   * Finds a row of the Sessions tree, expanding the checkpoints a rewind set aside ("… set aside by a
   * rewind", under a checkpoint "rewound here") and collapsed branches until it shows.
   */
  async findRow(name: string | RegExp, timeoutMs = 20_000): Promise<Locator> {
    const row = this.row(name);
    await poll(
      async () => {
        if (await row.isVisible()) return true;
        // Set-aside lines, branches, and the checkpoints they grow from.
        const tree = this.sessionsTree();
        const collapsed = tree
          .locator('[role="treeitem"][aria-expanded="false"]')
          .filter({
            has: this.page.locator('.codicon-debug-step-back, .codicon-git-branch, .label-description:text-matches("rewound here")'),
          });
        if ((await collapsed.count()) > 0) await collapsed.first().locator('.monaco-tl-twistie').click();
        return false;
      },
      timeoutMs,
      async () => `no row ${String(name)} among ${JSON.stringify(await this.rowNames())}`,
      400,
    );
    return row;
  }

  /** Expands the active branch of the active session (a checkout leaves the new one collapsed). */
  async expandActiveBranch(): Promise<void> {
    const branch = this.sessionsTree()
      .getByRole('treeitem')
      .filter({ has: this.page.locator('.label-description', { hasText: /✓ active/ }) })
      .first();
    await branch.waitFor({ timeout: 20_000 });
    await this.expand(branch);
  }

  /** A row of any tree in the side bar (the restore results) by label, and description pattern. */
  sideBarRow(label: string | RegExp, description?: RegExp): Locator {
    let rows = rowIn(this.page.locator('.sidebar'), label, false);
    if (description) rows = rows.filter({ has: this.page.locator('.label-description', { hasText: description }) });
    return rows.first();
  }

  /**
   * Hovers a row and returns the text of the hover it shows. A tree refresh can move another row under
   * the mouse (a new checkpoint is listed above) or drop the hover: a hover that does not start with
   * the row's label (another row's may contain it: "Changes before `sed …`") is not its own, so it
   * hovers again (a few times; then the last text, for the caller's message).
   */
  async hoverText(row: Locator): Promise<string> {
    const hover = this.page.locator('.monaco-hover').first();
    for (let attempt = 1; ; attempt++) {
      await this.page.mouse.move(0, 0);
      await hover.waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
      const label = await this.rowLabel(row);
      await row.locator('.label-name').first().hover();
      try {
        await hover.waitFor({ timeout: 5_000 });
        await this.page.waitForTimeout(300); // the tooltip of a checkpoint is resolved lazily
        const text = (await hover.innerText()).replace(/\s+/g, ' ');
        if (text.trimStart().startsWith(label) || attempt >= 4) return text;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
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

  /**
   * Right-clicks `row` and picks a context-menu entry. A tree refresh between finding the row and the
   * click can put another row under the mouse: the tree focuses the row its menu is for, so a menu
   * opened while another row of the list has the focus, or one without the entry, is closed and the
   * click repeated.
   */
  async contextMenu(row: Locator, entry: string): Promise<void> {
    const item = this.page.locator('.context-view .monaco-menu .action-label', { hasText: exact(entry) }).first();
    for (let attempt = 1; ; attempt++) {
      await row.click({ button: 'right' });
      const opened = await item.waitFor({ timeout: attempt >= 3 ? 10_000 : 4_000 }).then(
        () => true,
        () => false,
      );
      if (opened && (await menuIsFor(row))) break;
      if (attempt >= 3) {
        const what = opened ? 'opened for another row than' : 'never showed for';
        throw new Error(`the menu with "${entry}" ${what} ${await this.rowLabel(row)}`);
      }
      await this.page.keyboard.press('Escape');
      await this.page.waitForTimeout(300);
    }
    // The menu ignores a click that comes right after it opened (a right-click's release).
    await this.page.waitForTimeout(300);
    await item.click();
    if (await item.isVisible()) {
      await this.page.waitForTimeout(500);
      if (await item.isVisible()) {
        await item.hover();
        await this.page.keyboard.press('Enter');
      }
    }
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
    const pattern = typeof label === 'string' ? exact(label) : label;
    const option = this.page
      .locator('.quick-input-list [role="option"]')
      .filter({ has: this.page.locator('.label-name', { hasText: pattern }) })
      .first();
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

  /** Picks a colour theme ("Light Modern", "Dark Modern") with Preferences: Color Theme. */
  async setColorTheme(name: string): Promise<void> {
    await this.command('Preferences: Color Theme', '');
    const input = this.quickInput();
    await poll(async () => !(await input.inputValue()).startsWith('>'), 10_000, () => 'the theme picker did not open');
    await input.fill(name);
    const option = this.page.locator('.quick-input-list [role="option"]', { hasText: name }).first();
    await option.waitFor({ timeout: 10_000 });
    await option.click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
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
    // Enter would take the first match, which may be another file whose folder matches too.
    const option = this.page
      .locator('.quick-input-list [role="option"]')
      .filter({ has: this.page.locator('.label-name', { hasText: exact(path.basename(relative)) }) })
      .filter({ hasText: path.dirname(relative) === '.' ? '' : path.dirname(relative) })
      .first();
    await option.waitFor({ timeout: 10_000 });
    await option.click();
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

  /** The text of one side of the active diff editor (as shown, spaces normalized). */
  async diffText(side: 'original' | 'modified'): Promise<string> {
    const lines = this.page.locator(`.editor-group-container.active .monaco-diff-editor .editor.${side} .lines-content > .view-lines`).first();
    return (await lines.innerText()).replace(/\u00a0/g, ' ');
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

/** Whether the context menu just opened is for `row`: the row has the focus, or no row of its list has. */
async function menuIsFor(row: Locator): Promise<boolean> {
  return row.evaluate((el) => {
    if (el.classList.contains('focused')) return true;
    const list = el.closest('.monaco-list');
    return !list || !list.querySelector('.monaco-list-row.focused');
  });
}

/** Tree rows under `scope` whose label is `label` (exact text) or matches it (pattern). */
function rowIn(scope: Locator, label: string | RegExp, firstOnly = true): Locator {
  const pattern = typeof label === 'string' ? exact(label) : label;
  const rows = scope.getByRole('treeitem').filter({ has: scope.page().locator('.label-name', { hasText: pattern }) });
  return firstOnly ? rows.first() : rows;
}

function toRegExp(pattern: string | RegExp): RegExp {
  return typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : pattern;
}

function exact(text: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`);
}
