/**
 * The shared setup of the threat-intelligence contract suites (indicator-store, indicator-match and
 * feed-store .contract.ts): a fresh store per test, instants to count from, shorthands. Test code only.
 */
import { afterEach, beforeEach, it as vitestIt } from 'vitest';
import type { EpochMicros, IndicatorDraft } from '../records/index.js';
import type { FeedSnapshotResult, Store } from './store.js';
import type { OpenStore } from './store.contract.js';
import { TEST_EPOCH } from './testing.js';

export const HOUR = 3_600_000_000;
export const T0 = TEST_EPOCH;
export const T1 = T0 + HOUR;
export const T2 = T0 + 2 * HOUR;
export const T3 = T0 + 3 * HOUR;

export const NOTHING: FeedSnapshotResult = { added: 0, updated: 0, removed: 0, reactivated: 0, unchanged: 0 };

/** A fresh store per test (its clock at T3), with shorthands the intel cases share. */
export interface IntelStoreFixture {
  store: () => Store;
  snapshot: (
    drafts: IndicatorDraft[],
    startedAt: EpochMicros,
    options?: { feed?: string; complete?: boolean },
  ) => Promise<FeedSnapshotResult>;
  /** Values of the listed indicators matching `filter`, sorted. */
  values: (filter?: Parameters<Store['listIndicators']>[0]) => Promise<string[]>;
}

export function useIntelStore(open: OpenStore): IntelStoreFixture {
  let current: Store | undefined;
  beforeEach(async () => {
    current = await open({ now: () => T3 });
  });
  afterEach(async () => {
    await current?.close();
  });
  const store = (): Store => current!;
  return {
    store,
    snapshot: (drafts, startedAt, options = {}) =>
      store().applyFeedSnapshot(options.feed ?? 'feodo', drafts, {
        startedAt,
        complete: options.complete ?? true,
      }),
    values: async (filter = {}) =>
      (await store().listIndicators({ limit: 1000, ...filter })).map((i) => i.value).sort(),
  };
}

/** What a backend's run of the intel contract suites (indicator-store, indicator-match, feed-store) varies. */
export interface IntelContractOptions {
  /**
   * Cases the engine under test cannot run, by test name, each with the reason shown as it is skipped
   * (an emulator's known difference from the real engine). DuckDB skips nothing.
   */
  skip?: Readonly<Record<string, string>>;
  /**
   * SQL reading `value` of the indicators active at an instant from `indicators_active_at`, ordered by
   * value, with that instant as its one parameter; DuckDB's form by default.
   */
  activeAtSql?: { sql: string; param: (at: EpochMicros) => string | number };
}

/** `it`, except that a case named in `skip` is skipped with its reason in the name. */
export function contractIt(
  skip: IntelContractOptions['skip'] = {},
): (name: string, fn: () => Promise<void>) => void {
  return (name, fn) => {
    const reason = skip[name];
    if (reason === undefined) vitestIt(name, fn);
    else vitestIt.skip(`${name} (skipped: ${reason})`, fn);
  };
}
