/**
 * The detection part of the store contract on the BigQuery emulator, plus what only BigQuery needs
 * showing: rule.sql's $name read as @name, and a run's alerts and watermarks written together.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { describeRuleStoreContract } from '../rule-store.contract.js';
import { TEST_EPOCH } from '../testing.js';
import { reusableEmulatorStores, useBigQueryEmulator } from './testing.js';

const emulator = useBigQueryEmulator();
// One dataset for the file, emptied before each case, as for the built-in rules' cases.
const stores = reusableEmulatorStores(() => emulator.get());
afterAll(() => stores.dispose());

describe.skipIf(emulator.skipReason !== null)('BigQuery store on the emulator: detection', () => {
  describeRuleStoreContract('BigQuery emulator', (deps) => stores.open(deps), {
    dialect: 'bigquery',
    timeoutMs: 300_000,
  });

  it('runs a rule written for DuckDB parameters ($name) and one written for BigQuery (@name) alike', async () => {
    const store = await stores.open({ now: () => TEST_EPOCH });
    try {
      const params = { window_start: TEST_EPOCH - 1_000_000, window_end: TEST_EPOCH };
      const limits = { timeoutMs: 30_000, maxRows: 10 };
      const dollar = await store.runRuleQuery(
        'SELECT $window_start AS s, 1 AS one FROM UNNEST([1]) WHERE $window_start < $window_end',
        params,
        limits,
      );
      const at = await store.runRuleQuery(
        'SELECT @window_start AS s, 1 AS one FROM UNNEST([1]) WHERE @window_start < @window_end',
        params,
        limits,
      );
      expect(dollar.rows).toEqual([{ s: '2024-01-15T11:59:59.000Z', one: 1 }]);
      expect(at.rows).toEqual(dollar.rows);
      expect(store.engine).toBe('bigquery');
    } finally {
      await store.close();
    }
  }, 300_000);
});
