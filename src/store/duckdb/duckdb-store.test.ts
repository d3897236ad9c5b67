import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMicros } from '../../records/index.js';
import { describeStoreContract } from '../store.contract.js';
import { buildFlow, TEST_EPOCH } from '../testing.js';
import { openDuckDbStore } from './duckdb-store.js';
import { SCHEMA_VERSION } from './migrations.js';

const configFor = (path: string) => ({ database: { path }, maxBatchRows: 50_000, flushIntervalMs: 2_000 });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yamori-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

// Each in-memory case runs every migration on a new database; each file case opens a copy of a file
// migrated once here, as the daemon opens its existing database (running the migrations per case,
// twice over, was most of this file's time; a new file's migrations are tested below).
let template: string;
beforeAll(async () => {
  template = join(mkdtempSync(join(tmpdir(), 'yamori-store-template-')), 'template.duckdb');
  await (await openDuckDbStore(configFor(template))).close();
});
afterAll(() => {
  rmSync(dirname(template), { recursive: true, force: true });
});

describeStoreContract('DuckDB in memory', (deps) => openDuckDbStore(configFor(':memory:'), deps));
describeStoreContract('DuckDB file', (deps) => {
  const path = join(dir, 'contract.duckdb');
  copyFileSync(template, path);
  return openDuckDbStore(configFor(path), deps);
});

describe('openDuckDbStore', () => {
  const clock = (micros: EpochMicros) => ({ now: () => micros });

  it('creates the file and its folder, and applies every migration to a new database', async () => {
    const path = join(dir, 'nested', 'folder', 'yamori.duckdb');
    const store = await openDuckDbStore(configFor(path), clock(TEST_EPOCH));
    try {
      const result = await store.query(
        'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
      );
      expect(result.rows.map((r) => r.version)).toEqual(
        Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
      );
      expect(result.rows[0]?.applied_at).toBe('2024-01-15T12:00:00.000Z');
      expect((await store.info()).fileSizeBytes).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('keeps data across reopening and does not run migrations again', async () => {
    const path = join(dir, 'yamori.duckdb');
    const first = await openDuckDbStore(configFor(path), clock(TEST_EPOCH));
    await first.writeFlows([buildFlow({ id: 'survives' })]);
    await first.close();
    const second = await openDuckDbStore(configFor(path), clock(TEST_EPOCH + 1_000_000));
    try {
      expect(await second.migrate()).toEqual({
        fromVersion: SCHEMA_VERSION,
        toVersion: SCHEMA_VERSION,
        applied: [],
      });
      const applied = await second.query('SELECT applied_at FROM schema_migrations');
      expect(applied.rows).toEqual(
        Array.from({ length: SCHEMA_VERSION }, () => ({ applied_at: '2024-01-15T12:00:00.000Z' })),
      );
      expect((await second.listFlows()).map((f) => f.id)).toEqual(['survives']);
    } finally {
      await second.close();
    }
  });

  it('refuses a database written by a newer schema (STORE_TOO_NEW) and leaves it alone', async () => {
    const path = join(dir, 'future.duckdb');
    await (await openDuckDbStore(configFor(path))).close();
    await withRawDatabase(path, (connection) =>
      connection.run(
        `INSERT INTO schema_migrations VALUES (${SCHEMA_VERSION + 1}, 'from the future', now())`,
      ),
    );
    await expect(openDuckDbStore(configFor(path))).rejects.toMatchObject({
      code: 'STORE_TOO_NEW',
      message: expect.stringContaining(`schema version ${SCHEMA_VERSION + 1}`) as unknown,
    });
    const versions = await withRawDatabase(path, async (connection) =>
      (await connection.runAndReadAll('SELECT max(version) FROM schema_migrations')).getRows(),
    );
    expect(versions).toEqual([[SCHEMA_VERSION + 1]]);
  });

  it('refuses a file that is not a DuckDB database (STORE_OPEN_FAILED)', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'shopping list: milk, eggs\n'.repeat(200));
    await expect(openDuckDbStore(configFor(path))).rejects.toMatchObject({
      code: 'STORE_OPEN_FAILED',
      message: expect.stringContaining('not a DuckDB database') as unknown,
    });
  });

  it('refuses to open a file this process already has open, and opens it again after close', async () => {
    const path = join(dir, 'once.duckdb');
    const store = await openDuckDbStore(configFor(path));
    await expect(openDuckDbStore(configFor(join(dir, '.', 'once.duckdb')))).rejects.toMatchObject({
      code: 'STORE_OPEN_FAILED',
      message: expect.stringContaining('this process already has it open') as unknown,
    });
    await store.close();
    await (await openDuckDbStore(configFor(path))).close();
  });

  it('rolls back a whole batch larger than the appender flushes on its own (204,800 rows) when its last row is bad', async () => {
    const store = await openDuckDbStore(configFor(':memory:'));
    try {
      const flows = Array.from({ length: 210_000 }, () => buildFlow());
      flows.push(buildFlow({ srcBytes: 1.5 }));
      await expect(store.writeFlows(flows)).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
      expect(await store.countFlows()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('folds the write-ahead log into the file on checkpoint', async () => {
    const store = await openDuckDbStore(configFor(join(dir, 'wal.duckdb')));
    try {
      await store.writeFlows([buildFlow()]);
      expect((await store.info()).walSizeBytes).toBeGreaterThan(0);
      await store.checkpoint();
      expect((await store.info()).walSizeBytes).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('openDuckDbStore with other processes', () => {
  it('refuses a file another process holds, naming that process (STORE_OPEN_FAILED)', async () => {
    const path = join(dir, 'held.duckdb');
    const store = await openDuckDbStore(configFor(path));
    try {
      const child = await runChild(
        `try {
           await openDuckDbStore(${JSON.stringify(configFor(path))});
           console.log(JSON.stringify({ opened: true }));
         } catch (error) {
           console.log(JSON.stringify({ code: error.code, message: error.message }));
         }`,
      );
      const outcome = JSON.parse(child.stdout.trim()) as { code?: string; message?: string };
      expect(outcome.code).toBe('STORE_OPEN_FAILED');
      expect(outcome.message).toContain(`another process (PID ${process.pid}`);
    } finally {
      await store.close();
    }
  });

  it('stores instants unchanged when the process runs in another time zone', async () => {
    const path = join(dir, 'kolkata.duckdb');
    const child = await runChild(
      `const store = await openDuckDbStore(${JSON.stringify(configFor(path))}, { now: () => ${TEST_EPOCH + 7} });
       await store.writeFlows([buildFlow({ id: 'tz', firstSeenAt: ${TEST_EPOCH + 1}, lastSeenAt: ${TEST_EPOCH + 2} })]);
       const zone = await store.query("SELECT current_setting('TimeZone') AS zone");
       const raw = await store.query('SELECT epoch_us(first_seen_at) AS f, epoch_us(ingested_at) AS i FROM flows');
       const [flow] = await store.listFlows();
       console.log(JSON.stringify({ zone: zone.rows[0].zone, raw: raw.rows[0], first: flow.firstSeenAt, last: flow.lastSeenAt }));
       await store.close();`,
      { TZ: 'Asia/Kolkata' },
    );
    expect(JSON.parse(child.stdout.trim())).toEqual({
      zone: 'Asia/Kolkata',
      raw: { f: TEST_EPOCH + 1, i: TEST_EPOCH + 7 },
      first: TEST_EPOCH + 1,
      last: TEST_EPOCH + 2,
    });
  });

  it('keeps every acknowledged batch, and no partial one, when the writer is killed with SIGKILL', async () => {
    const path = join(dir, 'crash.duckdb');
    const batchRows = 500;
    const child = spawnChild(
      `const store = await openDuckDbStore(${JSON.stringify(configFor(path))});
       let written = 0;
       for (let batch = 0; ; batch++) {
         const flows = [];
         for (let i = 0; i < ${batchRows}; i++) flows.push(buildFlow({ id: batch + '-' + i }));
         await store.writeFlows(flows);
         written += flows.length;
         process.stdout.write('written ' + written + '\\n');
       }`,
    );
    let acknowledged = 0;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString();
        const counts = [...output.matchAll(/written (\d+)\n/g)].map((m) => Number(m[1]));
        acknowledged = Math.max(0, ...counts);
        if (counts.length >= 6 && child.exitCode === null) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited: ${child.stderr.read()}`)),
      );
    });
    expect(acknowledged).toBeGreaterThanOrEqual(6 * batchRows);
    const store = await openDuckDbStore(configFor(path));
    try {
      const stored = await store.countFlows();
      expect(stored).toBeGreaterThanOrEqual(acknowledged);
      expect(stored % batchRows).toBe(0);
    } finally {
      await store.close();
    }
  });
});

async function withRawDatabase<T>(
  path: string,
  body: (connection: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return await body(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const STORE_MODULE = new URL('./duckdb-store.ts', import.meta.url).href;
const TESTING_MODULE = new URL('../testing.ts', import.meta.url).href;

/** Node with tsx, running `body` after importing openDuckDbStore and buildFlow. */
function spawnChild(body: string, env: Record<string, string> = {}) {
  const script = `const { openDuckDbStore } = await import(${JSON.stringify(STORE_MODULE)});
    const { buildFlow } = await import(${JSON.stringify(TESTING_MODULE)});
    ${body}`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function runChild(
  body: string,
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  const child = spawnChild(body, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`child exited with ${code}: ${stderr}`);
  return { stdout, stderr };
}
