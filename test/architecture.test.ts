/**
 * Keeps ARCHITECTURE.md's import table and the code in step: every import from one src/ folder into
 * another must be allowed by the table, and must go through the other folder's index.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = process.cwd();
const src = join(root, 'src');
const LEAVES = ['records', 'errors', 'log'];

function parseTable(): Map<string, Set<string>> {
  const text = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
  const section = text.slice(text.indexOf('## Folders'));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  const stages: string[] = [];
  const parsed: { folders: string[]; allowed: string }[] = [];
  for (const row of rows) {
    const cells = row.split('|').map((cell) => cell.trim());
    const folders = [...(cells[1] ?? '').matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]!);
    parsed.push({ folders, allowed: cells[3] ?? '' });
    stages.push(...folders);
  }
  const table = new Map<string, Set<string>>();
  const anyStage = stages.filter((s) => !LEAVES.includes(s) && s !== 'daemon' && s !== 'cli');
  for (const { folders, allowed } of parsed) {
    for (const folder of folders) {
      const set = new Set<string>();
      if (!LEAVES.includes(folder)) LEAVES.forEach((leaf) => set.add(leaf));
      if (allowed.includes('any stage')) anyStage.forEach((s) => set.add(s));
      for (const word of allowed.replace(/\(.*?\)/g, '').split(/[,\s]+/)) {
        const name = word.replace(/[`/]/g, '');
        if (stages.includes(name)) set.add(name);
      }
      const note = /\(`([a-z]+)\/` may import `([a-z]+)\/`\)/.exec(allowed);
      if (note && note[1] === folder) set.add(note[2]!);
      set.delete(folder);
      table.set(folder, set);
    }
  }
  return table;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    // Test files and the test helpers they share (`*.testing.ts`, never imported by the product) may
    // reach into other folders' test helpers.
    const isTestCode = entry.name.endsWith('.test.ts') || entry.name.endsWith('.testing.ts');
    return entry.name.endsWith('.ts') && !isTestCode ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)];
  return specifiers.map((m) => m[1]!);
}

function folderOf(path: string): string | null {
  const rel = relative(src, path).split('/');
  return rel.length > 1 ? rel[0]! : null;
}

describe('the import table in ARCHITECTURE.md', () => {
  const table = parseTable();

  it('names every folder under src/', () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.filter((folder) => !table.has(folder))).toEqual([]);
    expect(table.get('cli')?.has('daemon')).toBe(true);
    expect(table.get('decode')?.size).toBe(LEAVES.length);
  });

  it('is kept by every import in src/', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(src)) {
      const from = folderOf(file);
      for (const specifier of importsOf(file)) {
        const target = resolve(dirname(file), specifier);
        const to = folderOf(target);
        const where = relative(root, file);
        if (from === null) {
          if (to !== 'cli') violations.push(`${where} imports ${specifier}: main.ts may import cli/ only`);
          continue;
        }
        if (to === null || to === from) continue;
        if (!table.get(from)?.has(to))
          violations.push(`${where} imports ${specifier}: ${from}/ may not import ${to}/`);
        else if (relative(join(src, to), target) !== 'index.js') {
          violations.push(`${where} imports ${specifier}: import ${to}/ through its index.ts`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
