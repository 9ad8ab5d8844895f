// Settings in human terms (issue 17): package.json contributes them in titled groups, every one
// ids.ts declares is contributed (and nothing else), every number says its unit, the size settings
// say they take "20 MB"-style values, and the advanced ones are marked so.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseSize } from '../../src/core/bytes';
import { Settings } from '../../src/vscode/ids';

interface Property {
  type: string | string[];
  default?: unknown;
  markdownDescription?: string;
  description?: string;
  tags?: string[];
}
interface Section {
  title: string;
  properties: Record<string, Property>;
}

function root(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

const manifest = JSON.parse(fs.readFileSync(path.join(root(), 'package.json'), 'utf8')) as { contributes: { configuration: Section[] } };
const sections = manifest.contributes.configuration;
const all = Object.fromEntries(sections.flatMap((s) => Object.entries(s.properties)));
const text = (p: Property) => p.markdownDescription ?? p.description ?? '';

describe('settings in the manifest', () => {
  it('are grouped in titled sections: Capture, Restore, Storage, Advanced', () => {
    assert.ok(Array.isArray(sections));
    assert.deepEqual(sections.map((s) => s.title), ['Capture', 'Restore', 'Storage', 'Advanced']);
  });

  it('are exactly the ones ids.ts declares', () => {
    const declared = Object.entries(Settings).filter(([k]) => k !== 'section').map(([, v]) => `${Settings.section}.${v}`).sort();
    assert.deepEqual(Object.keys(all).sort(), declared);
  });

  it('say the unit of every number and take sizes in human units', () => {
    for (const [key, p] of Object.entries(all)) {
      const types = Array.isArray(p.type) ? p.type : [p.type];
      if (!types.includes('number')) continue;
      if (types.includes('string')) {
        assert.match(text(p), /"\d+ [MG]B"/, `${key} shows a size in human units`);
        assert.ok(parseSize(p.default), `${key}'s default ${String(p.default)} is a size`);
        assert.equal(typeof p.default, 'string', `${key}'s default is written in human units`);
      } else {
        assert.match(text(p), /^(\*\*Advanced\.\*\* )?(Milliseconds|Days)\b/, `${key} starts with its unit: ${text(p)}`);
      }
    }
  });

  it('mark the advanced ones', () => {
    const advanced = sections.find((s) => s.title === 'Advanced')!;
    for (const [key, p] of Object.entries(advanced.properties)) {
      assert.deepEqual(p.tags, ['advanced'], key);
      assert.match(text(p), /^\*\*Advanced\.\*\*/, key);
    }
  });
});
