import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildFlow } from '../testing.js';
import { openDuckDbStore } from './duckdb-store.js';

const configFor = (path: string) => ({ database: { path }, maxBatchRows: 50_000, flushIntervalMs: 2_000 });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yamori-storage-format-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `sql` on the file with a DuckDB of its own, read-only, after the store closed it. */
async function readFile(path: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRows();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

const STORAGE_VERSION = `SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()`;

describe('the DuckDB file format', () => {
  it("writes a new file in DuckDB 1.5's format, whose low-cardinality strings are stored as DICT_FSST", async () => {
    const path = join(dir, 'new.duckdb');
    const store = await openDuckDbStore(configFor(path));
    try {
      // Five client fingerprints over 4,000 flows, as a household's few TLS stacks give.
      const fingerprints = Array.from({ length: 5 }, (_, n) => `${n}`.repeat(32));
      await store.writeFlows(
        Array.from({ length: 4_000 }, (_, n) => buildFlow({ ja3: fingerprints[n % fingerprints.length]! })),
      );
      await store.checkpoint();
    } finally {
      await store.close();
    }
    expect(await readFile(path, STORAGE_VERSION)).toEqual([['v1.5.0+']]);
    expect(
      await readFile(
        path,
        `SELECT DISTINCT compression FROM pragma_storage_info('flows')
         WHERE column_name = 'ja3' AND segment_type = 'VARCHAR'`,
      ),
    ).toEqual([['DICT_FSST']]);
  });

  it('opens, migrates and writes a file an earlier build made in the 1.0 format, which keeps that format', async () => {
    const path = join(dir, 'old.duckdb');
    const old = await DuckDBInstance.create(path);
    old.closeSync();
    expect(await readFile(path, STORAGE_VERSION)).toEqual([['v1.0.0+']]);
    const store = await openDuckDbStore(configFor(path));
    try {
      await store.writeFlows([buildFlow()]);
      await store.checkpoint();
      expect(await store.countFlows()).toBe(1);
    } finally {
      await store.close();
    }
    expect(await readFile(path, STORAGE_VERSION)).toEqual([['v1.0.0+']]);
  });
});
