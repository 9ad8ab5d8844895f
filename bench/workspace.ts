// Generates the bench's workspaces: a tree of small, source-like text files in nested folders,
// deterministic for a seed. Content is synthetic TypeScript/JavaScript, JSON, Markdown and CSS built
// from a vocabulary with a skewed (Zipf-like) distribution, so it compresses like real source
// (about 3–4× with deflate) without being a template copied from file to file.
//
// The workspace also has a `.gitignore` with a `node_modules/` and a `dist/` folder that both the
// engine and git skip, and every file's mtime is set a day back (as in a real checkout) so neither
// side sees "racily clean" files it must re-read.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** Skewed pick: low indexes much more often (roughly Zipf). */
  zipf<T>(a: readonly T[]): T {
    const u = this.next();
    return a[Math.min(a.length - 1, Math.floor(a.length * u * u * u))];
  }
  logNormal(median: number, sigma: number): number {
    const u1 = Math.max(this.next(), 1e-12);
    const u2 = this.next();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return median * Math.exp(sigma * z);
  }
}

const WORDS = (
  'get set value data item list user id name type config options result error index count key map state ' +
  'request response client server file path node tree session branch change event handler update create ' +
  'delete load save read write parse format render view model store cache queue task job worker token ' +
  'context scope module service provider factory builder manager controller router route query filter ' +
  'sort group total size length offset limit page field record entry table column row schema version ' +
  'status message text content body header param args input output source target default current next ' +
  'prev first last start end open close init reset clear apply merge split join find match check valid ' +
  'enabled visible active pending done ready failed timeout retry delay interval buffer stream chunk ' +
  'encode decode hash sign verify auth account profile group role permission policy rule action effect ' +
  'layout style theme color width height margin padding border font label title description summary ' +
  'detail info warn debug log trace metric sample report export import plugin extension command option ' +
  'account invoice order product price amount currency payment customer address email phone date time'
).split(/\s+/).filter(Boolean);

const PROSE = (
  'the a of to and in is it that for on with as this be are by not or from at which an was but have ' +
  'we can if when all will one there their so each what how use used returns called may should must ' +
  'only also more new other some than then these into any after before because while where until ' +
  'without every given note make sure keep never always first time case cases following example ' +
  'function method value values list file files user data state error errors result results call ' +
  'caller request change changes order default option options empty missing invalid already'
).split(/\s+/).filter(Boolean);

const NUMBERS = ['0', '1', '2', '10', '100', '-1', '1000', '0.5', '60', '1024'];
const TYPES = ['string', 'number', 'boolean', 'void', 'unknown', 'Promise<void>', 'string[]', 'number[]', 'Record<string, unknown>'];

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

class Src {
  out: string[] = [];
  // A file reuses its own names, as real code does: most identifiers come from a small local pool.
  private readonly idents: string[] = [];
  private readonly types: string[] = [];
  constructor(private readonly r: Rng) {
    const ni = 12 + r.int(30);
    for (let i = 0; i < ni; i++) this.idents.push(this.freshIdent());
    const nt = 3 + r.int(8);
    for (let i = 0; i < nt; i++) this.types.push(cap(r.zipf(WORDS)) + cap(r.zipf(WORDS)));
  }
  private freshIdent(): string {
    const n = 1 + this.r.int(3);
    let s = this.r.zipf(WORDS);
    for (let i = 1; i < n; i++) s += cap(this.r.zipf(WORDS));
    return s;
  }
  ident(): string {
    if (this.r.next() < 0.93) return this.r.zipf(this.idents);
    const s = this.freshIdent();
    this.idents.push(s);
    return s;
  }
  typeName(): string {
    return this.r.next() < 0.85 ? this.r.zipf(this.types) : cap(this.r.zipf(WORDS)) + cap(this.r.zipf(WORDS));
  }
  sentence(min = 4, max = 16): string {
    const n = min + this.r.int(max - min);
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(this.r.next() < 0.8 ? this.r.zipf(PROSE) : this.r.zipf(WORDS));
    return cap(w.join(' ')) + '.';
  }
  expr(depth = 0): string {
    const k = this.r.int(depth > 1 ? 3 : 7);
    switch (k) {
      case 0: return this.ident();
      case 1: return this.r.pick(NUMBERS);
      case 2: return `'${this.r.zipf(WORDS)}${this.r.next() < 0.3 ? '-' + this.r.zipf(WORDS) : ''}'`;
      case 3: return `${this.ident()}.${this.ident()}(${this.args(depth + 1)})`;
      case 4: return `${this.expr(depth + 1)} ${this.r.pick(['+', '-', '*', '===', '!==', '&&', '||', '??', '<', '>='])} ${this.expr(depth + 1)}`;
      case 5: return `{ ${this.ident()}: ${this.expr(depth + 1)}, ${this.ident()} }`;
      default: return `await this.${this.ident()}(${this.args(depth + 1)})`;
    }
  }
  args(depth: number): string {
    const n = this.r.int(3);
    const a: string[] = [];
    for (let i = 0; i < n; i++) a.push(this.expr(depth));
    return a.join(', ');
  }
  stmt(ind: string, depth: number): void {
    // Real code repeats itself: some statements echo an earlier line of the file.
    if (this.out.length > 10 && this.r.next() < 0.25) {
      const prev = this.out[this.out.length - 1 - this.r.int(Math.min(40, this.out.length - 1))].trim();
      if (prev.endsWith(';') && !prev.startsWith('return')) {
        this.out.push(ind + prev);
        return;
      }
    }
    const k = this.r.int(depth > 2 ? 4 : 8);
    switch (k) {
      case 0:
      case 1:
        this.out.push(`${ind}const ${this.ident()} = ${this.expr()};`);
        return;
      case 2:
        this.out.push(`${ind}${this.ident()}.${this.ident()}(${this.args(0)});`);
        return;
      case 3:
        this.out.push(`${ind}// ${this.sentence(3, 10)}`);
        return;
      case 4:
      case 5: {
        this.out.push(`${ind}if (${this.expr()}) {`);
        this.block(ind + '  ', depth + 1, 1 + this.r.int(4));
        if (this.r.next() < 0.3) {
          this.out.push(`${ind}} else {`);
          this.block(ind + '  ', depth + 1, 1 + this.r.int(3));
        }
        this.out.push(`${ind}}`);
        return;
      }
      case 6: {
        const it = this.r.zipf(WORDS);
        this.out.push(`${ind}for (const ${it} of ${this.ident()}) {`);
        this.block(ind + '  ', depth + 1, 1 + this.r.int(4));
        this.out.push(`${ind}}`);
        return;
      }
      default:
        this.out.push(`${ind}return ${this.expr()};`);
    }
  }
  block(ind: string, depth: number, n: number): void {
    for (let i = 0; i < n; i++) this.stmt(ind, depth);
  }
  params(): string {
    const n = this.r.int(4);
    const p: string[] = [];
    for (let i = 0; i < n; i++) p.push(`${this.ident()}: ${this.r.next() < 0.6 ? this.r.pick(TYPES) : this.typeName()}`);
    return p.join(', ');
  }
  fn(): void {
    if (this.r.next() < 0.6) this.out.push('/**', ` * ${this.sentence()}`, ...(this.r.next() < 0.4 ? [` * ${this.sentence()}`] : []), ' */');
    const async = this.r.next() < 0.4;
    this.out.push(`export ${async ? 'async ' : ''}function ${this.ident()}(${this.params()}): ${async ? 'Promise<' + this.typeName() + '>' : this.r.pick(TYPES)} {`);
    this.block('  ', 1, 2 + this.r.int(8));
    this.out.push('}', '');
  }
  cls(): void {
    const name = this.typeName();
    this.out.push(`export class ${name}${this.r.next() < 0.3 ? ' extends ' + this.typeName() : ''} {`);
    const nf = 1 + this.r.int(4);
    for (let i = 0; i < nf; i++) this.out.push(`  private ${this.ident()}: ${this.r.pick(TYPES)} = ${this.expr(2)};`);
    this.out.push('');
    const nm = 1 + this.r.int(5);
    for (let i = 0; i < nm; i++) {
      if (this.r.next() < 0.4) this.out.push(`  /** ${this.sentence(3, 12)} */`);
      this.out.push(`  ${this.r.next() < 0.3 ? 'async ' : ''}${this.ident()}(${this.params()}): ${this.r.pick(TYPES)} {`);
      this.block('    ', 2, 1 + this.r.int(6));
      this.out.push('  }', '');
    }
    this.out.push('}', '');
  }
  iface(): void {
    this.out.push(`export interface ${this.typeName()} {`);
    const n = 2 + this.r.int(8);
    for (let i = 0; i < n; i++) this.out.push(`  ${this.ident()}${this.r.next() < 0.3 ? '?' : ''}: ${this.r.next() < 0.6 ? this.r.pick(TYPES) : this.typeName()};`);
    this.out.push('}', '');
  }
}

const LICENSE = `// Copyright (c) Example Corp. All rights reserved.
// Licensed under the MIT License. See LICENSE in the project root for license information.
`;

/** Content of a file of about `target` bytes, kind chosen by its extension. */
export function fileContent(r: Rng, ext: string, target: number): string {
  const s = new Src(r);
  if (ext === '.json') {
    const lines = ['{'];
    let size = 2;
    while (size < target) {
      const l = `  "${s.ident()}": ${r.next() < 0.5 ? JSON.stringify(s.sentence(1, 4)) : r.int(10000)},`;
      lines.push(l);
      size += l.length + 1;
    }
    lines.push(`  "${s.ident()}": true`, '}', '');
    return lines.join('\n');
  }
  if (ext === '.md') {
    const lines = [`# ${cap(s.ident())}`, ''];
    let size = 0;
    while (size < target) {
      const k = r.int(5);
      const block = k === 0 ? [`## ${s.sentence(2, 5)}`, ''] : k === 1 ? ['```ts', `const ${s.ident()} = ${s.expr()};`, '```', ''] : [s.sentence() + ' ' + s.sentence() + ' ' + s.sentence(), ''];
      lines.push(...block);
      size += block.join('\n').length;
    }
    return lines.join('\n');
  }
  if (ext === '.css') {
    const lines: string[] = [];
    let size = 0;
    while (size < target) {
      const b = [`.${s.ident()}-${r.zipf(WORDS)} {`, `  ${r.pick(['margin', 'padding', 'color', 'width', 'height', 'display', 'font-size'])}: ${r.int(40)}px;`, `  ${r.pick(['border', 'background', 'flex', 'gap'])}: ${r.int(16)}px ${r.pick(['solid', 'auto', '1', '#ccc'])};`, '}', ''];
      lines.push(...b);
      size += b.join('\n').length;
    }
    return lines.join('\n');
  }
  // .ts / .js
  if (r.next() < 0.3) s.out.push(LICENSE);
  const ni = r.int(7);
  for (let i = 0; i < ni; i++) s.out.push(`import { ${s.typeName()}, ${s.ident()} } from '${r.next() < 0.5 ? '../' : './'}${r.zipf(WORDS)}/${r.zipf(WORDS)}';`);
  s.out.push('');
  let size = s.out.join('\n').length;
  while (size < target) {
    const before = s.out.length;
    const k = r.next();
    if (k < 0.5) s.fn();
    else if (k < 0.75) s.cls();
    else s.iface();
    for (let i = before; i < s.out.length; i++) size += s.out[i].length + 1;
  }
  return s.out.join('\n') + '\n';
}

export interface WorkspaceInfo {
  root: string;
  files: string[]; // tracked files, relative, '/'-separated
  ignoredFiles: number;
  bytes: number;
  dirs: number;
}

const EXTS: [string, number][] = [['.ts', 0.5], ['.js', 0.14], ['.test.ts', 0.12], ['.json', 0.08], ['.md', 0.1], ['.css', 0.06]];
function pickExt(r: Rng): string {
  let u = r.next();
  for (const [e, w] of EXTS) {
    if ((u -= w) < 0) return e;
  }
  return '.ts';
}

/**
 * Writes a workspace of `nFiles` tracked files under `root` (which must not exist). Sizes are
 * log-normal around a median of 1.5 KB (mean ≈ 2.4 KB), a few up to 64 KB.
 */
export function generateWorkspace(root: string, nFiles: number, seed: number): WorkspaceInfo {
  const r = new Rng(seed);
  fs.mkdirSync(root, { recursive: true });
  // Folders: grown as a random tree, ~16 files per folder, depth ≤ 7.
  const nDirs = Math.max(1, Math.round(nFiles / 16));
  const dirs: { rel: string; depth: number; names: Set<string> }[] = [{ rel: '', depth: 0, names: new Set() }];
  const top = ['src', 'lib', 'packages', 'test', 'docs', 'tools', 'app', 'server', 'client', 'shared'];
  for (const t of top) dirs.push({ rel: t, depth: 1, names: new Set() });
  dirs[0].names = new Set(top);
  while (dirs.length < nDirs) {
    // prefer shallow parents a little: real trees are bushy near the top
    const parent = dirs[1 + Math.floor(r.next() * r.next() * (dirs.length - 1))];
    if (parent.depth >= 7) continue;
    let name = r.zipf(WORDS) + (r.next() < 0.3 ? '-' + r.zipf(WORDS) : '');
    if (parent.names.has(name)) name += String(r.int(1000));
    if (parent.names.has(name)) continue;
    parent.names.add(name);
    dirs.push({ rel: `${parent.rel}/${name}`, depth: parent.depth + 1, names: new Set() });
  }
  const files: string[] = [];
  let bytes = 0;
  const made = new Set<string>();
  const past = new Date(Date.now() - 24 * 3600 * 1000);
  const write = (rel: string, content: string) => {
    const abs = path.join(root, rel);
    const dir = path.dirname(abs);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    fs.writeFileSync(abs, content);
    fs.utimesSync(abs, past, past);
    bytes += Buffer.byteLength(content);
  };
  write('.gitignore', 'node_modules/\ndist/\n*.log\n.env\n');
  files.push('.gitignore');
  while (files.length < nFiles) {
    const d = dirs[1 + r.int(dirs.length - 1)];
    const ext = pickExt(r);
    let name = r.zipf(WORDS) + cap(r.zipf(WORDS)) + ext;
    if (d.names.has(name)) name = r.zipf(WORDS) + cap(r.zipf(WORDS)) + r.int(100000) + ext;
    if (d.names.has(name)) continue;
    d.names.add(name);
    const size = Math.min(64 * 1024, Math.max(60, Math.round(r.logNormal(1500, 0.9))));
    const rel = `${d.rel}/${name}`;
    write(rel, fileContent(r, ext, size));
    files.push(rel);
  }
  // Ignored content both sides must skip: dependencies and build output.
  let ignoredFiles = 0;
  const nIgnored = Math.max(20, Math.round(nFiles / 50));
  for (let i = 0; i < nIgnored; i++) {
    const rel = i % 2 === 0 ? `node_modules/${r.zipf(WORDS)}-${i % 40}/lib/${r.zipf(WORDS)}${i}.js` : `dist/${r.zipf(WORDS)}${i}.js`;
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, fileContent(r, '.js', 1500));
    ignoredFiles++;
  }
  fs.writeFileSync(path.join(root, 'debug.log'), 'ignored\n');
  ignoredFiles++;
  return { root, files, ignoredFiles, bytes, dirs: dirs.length };
}

/** A small, realistic edit: one line changed and one line inserted, at a random place. */
export function editText(r: Rng, text: string, tag: string): string {
  const lines = text.split('\n');
  const i = r.int(Math.max(1, lines.length - 1));
  lines[i] = lines[i].replace(/[A-Za-z]+/, (w) => w + cap(tag)) || `// ${tag}`;
  const j = r.int(lines.length);
  lines.splice(j, 0, `  // ${tag}: ${r.zipf(PROSE)} ${r.zipf(WORDS)} ${r.zipf(PROSE)} ${r.zipf(WORDS)}`);
  return lines.join('\n');
}

/** Edits the given files in place; returns their absolute paths. */
export function editFiles(root: string, rels: string[], r: Rng, tag: string): string[] {
  return rels.map((rel) => {
    const abs = path.join(root, rel);
    fs.writeFileSync(abs, editText(r, fs.readFileSync(abs, 'utf8'), tag));
    return abs;
  });
}

/** `n` distinct files chosen at random. */
export function chooseFiles(r: Rng, files: string[], n: number): string[] {
  const out = new Set<string>();
  while (out.size < Math.min(n, files.length)) {
    const f = files[r.int(files.length)];
    if (f !== '.gitignore') out.add(f);
  }
  return [...out];
}
