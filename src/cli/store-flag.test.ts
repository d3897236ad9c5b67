import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { emulatorBigQueryConfig, useBigQueryEmulator } from '../store/bigquery/testing.js';
import { runCli } from './run-cli.js';

async function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => (chunks.out += c.toString()));
  err.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const code = await runCli(argv, { out, err, env });
  return { code, ...chunks };
}

describe('--store', () => {
  it('selects BigQuery and says which key is missing when it is not configured', async () => {
    const result = await run(['--store', 'bigquery', 'db', 'info'], {});
    expect(result.code).toBe(2);
    expect(result.err).toContain('error STORE_BIGQUERY_NOT_CONFIGURED');
    expect(result.err).toContain('bigquery.project');
  });

  it('refuses an engine it does not know', async () => {
    const result = await run(['--store', 'postgres', 'db', 'info'], {});
    expect(result.code).toBe(2);
    expect(result.err).toContain('duckdb, bigquery');
  });
});

const emulator = useBigQueryEmulator();

describe.skipIf(emulator.skipReason !== null)(
  '--store bigquery on the emulator',
  { timeout: 120_000 },
  () => {
    it('opens the dataset of the bigquery keys for db info and query', async () => {
      const bigquery = emulatorBigQueryConfig(emulator.get());
      const env = {
        YAMORI_BIGQUERY_PROJECT: bigquery.project!,
        YAMORI_BIGQUERY_DATASET: bigquery.dataset!,
        YAMORI_BIGQUERY_ENDPOINT: bigquery.endpoint!,
      };
      const info = await run(['--store', 'bigquery', 'db', 'info'], env);
      expect(info.err).toBe('');
      expect(info.code).toBe(0);
      expect(info.out).toContain(`${bigquery.project}.${bigquery.dataset}`);
      expect(info.out).toContain('flows');
      const query = await run(['--store', 'bigquery', 'query', 'SELECT COUNT(*) AS n FROM flows'], env);
      expect(query.code).toBe(0);
      expect(query.out).toMatch(/\bn\b[\s\S]*\b0\b/);
    });
  },
);
