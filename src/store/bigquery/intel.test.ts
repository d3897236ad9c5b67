/**
 * The threat-intel contract suites (feed snapshots, matching, feeds) against the BigQuery store on the
 * emulator, each test on a dataset of its own.
 */
import { afterAll, describe } from 'vitest';
import type { EpochMicros } from '../../records/index.js';
import { describeFeedStoreContract } from '../feed-store.contract.js';
import { describeIndicatorMatchContract } from '../indicator-match.contract.js';
import { describeIndicatorContract } from '../indicator-store.contract.js';
import type { IntelContractOptions } from '../intel-store.testing.js';
import type { OpenStore } from '../store.contract.js';
import { findBigQueryEmulator, startBigQueryEmulator, type BigQueryEmulator } from './emulator.js';
import { bigQueryEmulatorSkipReason, EMULATOR_PROJECT, openEmulatorStore } from './testing.js';

const skipReason = bigQueryEmulatorSkipReason();

/*
 * The emulator keeps memory for every job it ran and slows as its catalogue grows (a store is two
 * dozen tables and views), so this file, which opens a store per test, starts a new emulator every
 * few stores instead of dropping datasets (which the emulator also fails to do).
 */
const STORES_PER_EMULATOR = 6;
let emulator: BigQueryEmulator | null = null;
let opened = 0;

afterAll(async () => {
  await emulator?.stop();
});

const open: OpenStore = async (deps) => {
  if (emulator === null || opened === STORES_PER_EMULATOR) {
    await emulator?.stop();
    emulator = null;
    const found = findBigQueryEmulator();
    if (found.path === null) {
      throw new Error(
        `CI always runs the BigQuery tests, but there is no emulator at ${found.looked.join(' or ')}`,
      );
    }
    emulator = await startBigQueryEmulator({ binary: found.path, project: EMULATOR_PROJECT });
    opened = 0;
  }
  opened++;
  return openEmulatorStore(emulator, deps, `intel_${opened}`);
};

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

describe.skipIf(skipReason !== null)('BigQuery store on the emulator: threat intel', () => {
  describeIndicatorContract('BigQuery emulator', open, options);
  describeIndicatorMatchContract('BigQuery emulator', open, options);
  describeFeedStoreContract('BigQuery emulator', open, options);
});
