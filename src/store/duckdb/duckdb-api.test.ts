import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esm from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import * as api from './duckdb-api.js';

/** Non-test TypeScript files under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$|testing\.ts$|\.contract\.ts$/.test(entry.name)
      ? [path]
      : [];
  });
}

/** The named imports of `source` from `specifier` that are values (not `type` ones). */
function valueImports(source: string, specifier: string): string[] {
  const found: string[] = [];
  const quoted = specifier.replace(/[/@.-]/g, '\\$&');
  const pattern = new RegExp(`import\\s+(type\\s+)?([^;]*?)\\s+from\\s+'${quoted}'`, 'g');
  for (const match of source.matchAll(pattern)) {
    if (match[1] !== undefined) continue;
    const clause = match[2]!;
    const names = clause.startsWith('{')
      ? clause
          .slice(1, -1)
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== '' && !name.startsWith('type '))
      : [clause];
    found.push(...names);
  }
  return found;
}

describe('duckdb-api', () => {
  it('hands on the very classes and types an ESM import of @duckdb/node-api gives', () => {
    expect(api.DuckDBInstance).toBe(esm.DuckDBInstance);
    expect(api.DuckDBTimestampTZValue).toBe(esm.DuckDBTimestampTZValue);
    expect(api.StatementType).toBe(esm.StatementType);
    expect(api.VARCHAR).toBe(esm.VARCHAR);
    const list = api.listValue(['a']);
    expect(list).toBeInstanceOf(esm.DuckDBListValue);
  });

  it('is the only module of src/ that takes values from @duckdb/node-api', () => {
    // An ESM import of the package anywhere on a command's path brings back the scan of its hundred
    // files that duckdb-api.ts exists to avoid.
    const offenders = sourceFiles('src')
      .filter((path) => !path.endsWith(join('duckdb', 'duckdb-api.ts')))
      .flatMap((path) =>
        valueImports(readFileSync(path, 'utf8'), '@duckdb/node-api').map((name) => `${path}: ${name}`),
      );
    expect(offenders).toEqual([]);
  });
});
