/**
 * The threat-intel contract suites (feed snapshots, matching, feeds) against the BigQuery store on the
 * emulator: one emulator and one dataset for the file, every table emptied before each test, as for the
 * built-in rules' cases (a dataset per test cost the emulator seconds each and slowed it as its
 * catalogue grew).
 */
import { afterAll, describe } from 'vitest';
import type { EpochMicros } from '../../records/index.js';
import { describeFeedStoreContract } from '../feed-store.contract.js';
import { describeIndicatorMatchContract } from '../indicator-match.contract.js';
import { describeIndicatorContract } from '../indicator-store.contract.js';
import type { IntelContractOptions } from '../intel-store.testing.js';
import type { OpenStore } from '../store.contract.js';
import { reusableEmulatorStores, useBigQueryEmulator } from './testing.js';

const emulator = useBigQueryEmulator();
const stores = reusableEmulatorStores(() => emulator.get());
afterAll(() => stores.dispose());
const open: OpenStore = (deps) => stores.open(deps);

const options: IntelContractOptions = {
  skip: {
    // The emulator refuses CREATE TABLE FUNCTION ("Creating table-valued functions is not
    // supported"), so indicators_active_at(T) exists only on BigQuery itself (intel-schema.ts).
    'answers "was it listed at T" in SQL through indicators_active_at(T)':
      'the BigQuery emulator cannot create table functions',
  },
  activeAtSql: {
    sql: 'SELECT value FROM indicators_active_at(CAST($1 AS TIMESTAMP)) ORDER BY value',
    param: (at: EpochMicros) => new Date(at / 1000).toISOString(),
  },
};

describe.skipIf(emulator.skipReason !== null)('BigQuery store on the emulator: threat intel', () => {
  describeIndicatorContract('BigQuery emulator', open, options);
  describeIndicatorMatchContract('BigQuery emulator', open, options);
  describeFeedStoreContract('BigQuery emulator', open, options);
});
