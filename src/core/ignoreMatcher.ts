// One `.gitignore`, compiled for many rules. The `ignore` package (the matcher eslint and prettier
// use) reads the lines and turns each pattern into a regular expression — that is where the
// semantics come from: negation, anchoring, `dir/`, `**`, classes, escapes, trailing spaces. But
// it answers a path by trying every rule, last first, and a long `.gitignore` made that the cost
// of a scan (20,000 rules over 5,000 files: tens of seconds). Here the rules are grouped by kind
// instead, and "the last rule that matches decides" is worked out by rule index:
//
// - a literal name (`name`, `**/name`, `name/`): a map from the name to the last such rule;
// - a literal path (`/a/b`, `a/b`, `/a/`): a map from the path;
// - an extension-like suffix (`*.log`, `*~`, `*.tmp/`): a map from the suffix;
// - a name's beginning (`tmp-*`, `core.*/`): a map from the prefix;
// - any other rule whose last segment is literal (`src/**/x.ts`, `a/*/b`): its own expression,
//   tried only for paths with that last segment;
// - the rest (`tmp-*`, `cache[0-9]/`, `/**`…): their expressions, several joined into one, tried
//   block by block from the last rule down only while a block could still beat what was found.
//
// Each group gives the highest index of a rule that matches; the highest over all groups decides,
// as in git. Names are compared the way the package's expressions compare them: case-insensitively
// (the package's default, which Session Tree has always used), code unit by code unit as a
// JavaScript `i` expression does.
//
// Only the path itself is tested: that a file under an excluded folder stays excluded, and how
// the `.gitignore` files of a path's folders combine, is `Tracking`'s part, as in git.
import ignore, { type Ignore } from 'ignore';

/** The last rule that matched was a pattern (`ignored`), a `!pattern` (`unignored`), or none did. */
export type Verdict = 'ignored' | 'unignored' | undefined;

interface PackageRule {
  negative: boolean;
  body: string;
  readonly regex: RegExp;
}

interface Compiled {
  i: number;
  re: RegExp;
}

interface Block {
  lo: number;
  hi: number;
  re: RegExp;
  rules: Compiled[];
}

const BLOCK = 24;
const WILD = /[*?[]/;
// A backslash (escapes) and the characters the package reserves for itself are left to its
// expressions.
const NOT_PLAIN = /[\\\u0000\uE000\uE001]/;
const ASCII = /^[\x00-\x7f]*$/;

/** A key equal for two strings exactly when a JavaScript `i` expression (no `u`) takes them as equal. */
export function foldCase(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    const u = ch.toUpperCase();
    out += u.length !== 1 || (ch.charCodeAt(0) >= 128 && u.charCodeAt(0) < 128) ? ch : u;
  }
  return out;
}

type Kind = { kind: 'name' | 'path' | 'suffix' | 'prefix' | 'last'; key: string; dirOnly: boolean } | { kind: 'rest' };

/** Which group a rule's pattern (as the package normalized it: no `!`, trailing spaces trimmed) goes to. */
function classify(body: string): Kind {
  if (NOT_PLAIN.test(body)) return { kind: 'rest' };
  let b = body;
  let dirOnly = false;
  if (b.endsWith('/')) {
    dirOnly = true;
    b = b.slice(0, -1);
  }
  if (b === '' || b.endsWith('/') || b.includes('//')) return { kind: 'rest' };
  if (b.startsWith('**/')) {
    const name = b.slice(3);
    if (name !== '' && !WILD.test(name) && !name.includes('/')) return { kind: 'name', key: foldCase(name), dirOnly };
  } else if (!WILD.test(b)) {
    if (!b.includes('/')) return { kind: 'name', key: foldCase(b), dirOnly };
    const p = b.startsWith('/') ? b.slice(1) : b;
    if (p !== '') return { kind: 'path', key: foldCase(p), dirOnly };
    return { kind: 'rest' };
  } else if (b[0] === '*' && b.length > 1 && !WILD.test(b.slice(1)) && !b.includes('/')) {
    return { kind: 'suffix', key: foldCase(b.slice(1)), dirOnly };
  } else if (b[b.length - 1] === '*' && b.length > 1 && !WILD.test(b.slice(0, -1)) && !b.includes('/')) {
    return { kind: 'prefix', key: foldCase(b.slice(0, -1)), dirOnly };
  }
  const last = b.slice(b.lastIndexOf('/') + 1);
  if (last !== '' && !WILD.test(last)) return { kind: 'last', key: foldCase(last), dirOnly: false };
  return { kind: 'rest' };
}

/** Last index per key, files and folders alike, and for folders only (`dir/` rules). */
class LastIndex {
  readonly any = new Map<string, number>();
  readonly dir = new Map<string, number>();
  add(key: string, dirOnly: boolean, i: number): void {
    (dirOnly ? this.dir : this.any).set(key, i);
  }
  get(key: string, isDir: boolean, best: number): number {
    const a = this.any.get(key);
    if (a !== undefined && a > best) best = a;
    if (isDir) {
      const d = this.dir.get(key);
      if (d !== undefined && d > best) best = d;
    }
    return best;
  }
  get size(): number {
    return this.any.size + this.dir.size;
  }
}

export class GitignoreMatcher {
  /** Rules read (comments and blank lines are not rules). */
  readonly ruleCount: number;
  private readonly negative: boolean[] = [];
  private readonly names = new LastIndex();
  private readonly paths = new LastIndex();
  private readonly suffixes = new LastIndex();
  private suffixLengths: number[] = [];
  private readonly prefixes = new LastIndex();
  private prefixLengths: number[] = [];
  private readonly byLast = new Map<string, Compiled[]>();
  private readonly blocks: Block[] = [];
  // The package as a whole, when its rules are not what this module expects (another version).
  private readonly whole?: Ignore;

  constructor(text: string) {
    const ig = ignore({ allowRelativePaths: true, ignoreCase: true }).add(text);
    const rules = packageRules(ig);
    if (!rules) {
      this.whole = ig;
      this.ruleCount = 0;
      return;
    }
    this.ruleCount = rules.length;
    const lengths = new Set<number>();
    const prefixLengths = new Set<number>();
    let pending: Compiled[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const re = pending.length === 1 ? pending[0].re : new RegExp(pending.map((c) => `(?:${c.re.source})`).join('|'), pending[0].re.flags);
      this.blocks.push({ lo: pending[0].i, hi: pending[pending.length - 1].i, re, rules: pending });
      pending = [];
    };
    rules.forEach((rule, i) => {
      this.negative.push(rule.negative);
      const k = classify(rule.body);
      switch (k.kind) {
        case 'name':
          this.names.add(k.key, k.dirOnly, i);
          break;
        case 'path':
          this.paths.add(k.key, k.dirOnly, i);
          break;
        case 'suffix':
          this.suffixes.add(k.key, k.dirOnly, i);
          lengths.add(k.key.length);
          break;
        case 'prefix':
          this.prefixes.add(k.key, k.dirOnly, i);
          prefixLengths.add(k.key.length);
          break;
        case 'last': {
          let list = this.byLast.get(k.key);
          if (!list) this.byLast.set(k.key, (list = []));
          list.push({ i, re: rule.regex });
          break;
        }
        default:
          pending.push({ i, re: rule.regex });
          if (pending.length === BLOCK) flush();
      }
    });
    flush();
    for (const list of this.byLast.values()) list.reverse(); // the last rule first
    this.suffixLengths = [...lengths].sort((a, b) => a - b);
    this.prefixLengths = [...prefixLengths].sort((a, b) => a - b);
  }

  /**
   * The verdict of this `.gitignore`'s rules on one path relative to its folder ('/'-separated,
   * a folder with a trailing '/'), without looking at the path's folders.
   */
  test(rel: string): Verdict {
    if (this.whole) {
      const r = this.whole.test(rel);
      return r.ignored ? 'ignored' : r.unignored ? 'unignored' : undefined;
    }
    const isDir = rel.charCodeAt(rel.length - 1) === 47;
    const p = isDir ? rel.slice(0, -1) : rel;
    const slash = p.lastIndexOf('/');
    const name = foldCase(slash < 0 ? p : p.slice(slash + 1));
    let best = this.names.get(name, isDir, -1);
    if (this.paths.size > 0) best = this.paths.get(slash < 0 ? name : foldCase(p), isDir, best);
    for (const n of this.suffixLengths) {
      if (n > name.length) break;
      best = this.suffixes.get(name.slice(name.length - n), isDir, best);
    }
    for (const n of this.prefixLengths) {
      if (n > name.length) break;
      best = this.prefixes.get(name.slice(0, n), isDir, best);
    }
    const candidates = this.byLast.get(name);
    if (candidates) {
      for (const c of candidates) {
        if (c.i <= best) break;
        if (c.re.test(rel)) {
          best = c.i;
          break;
        }
      }
    }
    for (let b = this.blocks.length - 1; b >= 0; b--) {
      const block = this.blocks[b];
      if (block.hi <= best) break;
      if (!block.re.test(rel)) continue;
      for (let j = block.rules.length - 1; j >= 0; j--) {
        const c = block.rules[j];
        if (c.i <= best) break;
        if (c.re.test(rel)) {
          best = c.i;
          break;
        }
      }
    }
    return best < 0 ? undefined : this.negative[best] ? 'unignored' : 'ignored';
  }
}

/** The package's parsed rules, in order, or undefined when they are not shaped as expected. */
function packageRules(ig: Ignore): PackageRule[] | undefined {
  const rules = (ig as unknown as { _rules?: { _rules?: unknown } })._rules?._rules;
  if (!Array.isArray(rules)) return undefined;
  for (const r of rules as Partial<PackageRule>[]) {
    if (typeof r !== 'object' || r === null || typeof r.body !== 'string' || typeof r.negative !== 'boolean') return undefined;
  }
  const first = (rules as PackageRule[])[0];
  if (first && !(first.regex instanceof RegExp)) return undefined;
  return rules as PackageRule[];
}
