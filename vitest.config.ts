import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files (measured: each a minute or more on two cores, most of it waiting for a BigQuery
 * emulator or DuckDB), started first so that no worker is left with one at the end. Vitest orders by
 * the durations it cached from the last run, but a fresh clone (CI) has none and it falls back to
 * file size, which put these tiny contract-running files last.
 */
const LONGEST_FIRST = [
  'src/store/duckdb/duckdb-store.test.ts',
  'src/store/bigquery/intel.test.ts',
  'src/store/bigquery/bigquery-store.test.ts',
  'test/rules.test.ts',
  'src/store/bigquery/rules.test.ts',
  'src/detect/builtin-rules-bigquery-1.test.ts',
  'src/detect/builtin-rules-bigquery-2.test.ts',
  'src/capture/read-capture.test.ts',
  'src/store/bigquery/connection.test.ts',
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const index = LONGEST_FIRST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    return sorted
      .map((spec, order) => ({ spec, order, rank: rank(spec) }))
      .sort((a, b) => a.rank - b.rank || a.order - b.order)
      .map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one on the two-core CI machine. Most files
    // wait on another process (an emulator, DuckDB's threads, tcpdump, a child yamori), so two workers
    // keep both cores busy.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
  },
});
