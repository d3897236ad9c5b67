/**
 * Store contract, detection: rule queries with time limits and row caps, rule state, alerts written
 * with their watermarks in one transaction, device names, and the indicator_match_periods view.
 */
import { afterEach, beforeEach, describe, expect, it as vitestIt } from 'vitest';
import type { AlertWrite, EpochMicros, RuleStateUpdate, RunProvenance } from '../records/index.js';
import type { Store } from './store.js';
import type { OpenStore } from './store.contract.js';
import { buildDeviceObservation, buildFlow, buildIndicatorDraft, TEST_EPOCH } from './testing.js';

const SECOND = 1_000_000;
const HOUR = 3_600 * SECOND;
const NOW = TEST_EPOCH + 10 * HOUR;
const WINDOW = 'ingested_at >= $window_start AND ingested_at < $window_end';

const provenance = (runAt: EpochMicros): RunProvenance => ({
  ruleId: 'test-rule',
  ruleVersion: 'v1',
  pass: 'window',
  windowStart: runAt - HOUR,
  windowEnd: runAt,
  indicatorsSince: 0,
  indicatorsUntil: runAt,
  runAt,
});

const alertWrite = (overrides: Partial<AlertWrite> = {}): AlertWrite => ({
  ruleId: 'test-rule',
  ruleVersion: 'v1',
  severity: 'high',
  title: 'laptop contacted 203.0.113.9',
  dedupKey: '["192.168.1.20","203.0.113.9"]',
  firstSeenAt: NOW - HOUR,
  lastSeenAt: NOW - HOUR + SECOND,
  count: 1,
  deviceMac: 'f4:f5:d8:01:02:03',
  deviceName: 'laptop',
  remoteAddr: '203.0.113.9',
  indicatorIds: ['i-1'],
  indicatorSources: ['feodo'],
  evidence: [{ row: 1 }],
  provenance: [provenance(NOW)],
  suppressForUs: 24 * HOUR,
  maxEvidenceRows: 3,
  ...overrides,
});

const state = (overrides: Partial<RuleStateUpdate> = {}): RuleStateUpdate => ({
  ruleId: 'test-rule',
  ruleVersion: 'v1',
  runAt: NOW,
  status: 'ok',
  flowWatermark: NOW,
  indicatorWatermark: NOW,
  errorCode: null,
  errorMessage: null,
  durationMs: 12.5,
  rows: 1,
  ...overrides,
});

/**
 * Options for an engine other than DuckDB: `dialect` picks the SQL of the cases that need an
 * engine's own syntax (generators, interval arithmetic, error positions); `skip` leaves out cases,
 * each with the reason (an emulator's difference from the engine).
 */
export interface RuleStoreContractOptions {
  dialect?: 'duckdb' | 'bigquery';
  skip?: Readonly<Record<string, string>>;
  /** Per case and per hook (opening a store), for a backend slower than DuckDB in memory. */
  timeoutMs?: number;
}

/** The SQL of the cases that differ by dialect. */
const DIALECT_SQL = {
  duckdb: {
    manyRows: 'SELECT range AS n FROM range(1000000) WHERE $window_start < $window_end',
    slow: `SELECT count(*) AS n FROM flows, range(100000000000) WHERE ${WINDOW.replace('< $window_end', '<= $window_end')}`,
    errorLine: /LINE 3/,
    shape: `-- a comment naming dns
           WITH recent AS (SELECT * FROM flows WHERE ${WINDOW})
           SELECT r.id, r.first_seen_at, m.source, 'indicators' AS not_a_table, n.range
           FROM recent r JOIN indicator_match_periods m ON r.dst_addr_num = m.range_start, range(3) n
           WHERE m.listed_at >= $indicators_since`,
    shapeFunction: 'range',
    shapeTypes: ['VARCHAR', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR', 'VARCHAR', 'BIGINT'],
    lastColumn: 'range',
    oneSecondLater: '$window_end + INTERVAL 1 SECOND',
    oneRow: 'SELECT 1 AS one WHERE $window_start < $window_end',
  },
  bigquery: {
    manyRows: 'SELECT n FROM UNNEST(GENERATE_ARRAY(0, 99999)) AS n WHERE $window_start < $window_end',
    // About 1.5 s on the emulator, which runs a query to its end whatever the timeout (the client stops
    // waiting); on BigQuery the job is cancelled.
    slow: `SELECT COUNT(*) AS n FROM UNNEST(GENERATE_ARRAY(1, 1000)) AS a, UNNEST(GENERATE_ARRAY(1, 500)) AS b
           WHERE $window_start <= $window_end`,
    errorLine: /\[at 3:/,
    shape: `-- a comment naming dns
           WITH recent AS (SELECT * FROM flows WHERE ${WINDOW})
           SELECT r.id, r.first_seen_at, m.source, 'indicators' AS not_a_table, n
           FROM recent r JOIN indicator_match_periods m ON r.dst_addr_num = m.range_start, UNNEST(GENERATE_ARRAY(0, 2)) AS n
           WHERE m.listed_at >= $indicators_since`,
    shapeFunction: 'unnest',
    shapeTypes: ['STRING', 'TIMESTAMP', 'STRING', 'STRING', 'INT64'],
    lastColumn: 'n',
    oneSecondLater: 'TIMESTAMP_ADD($window_end, INTERVAL 1 SECOND)',
    // A query without FROM may not have WHERE in BigQuery.
    oneRow: 'SELECT 1 AS one FROM UNNEST([1]) WHERE $window_start < $window_end',
  },
};

export function describeRuleStoreContract(
  backend: string,
  open: OpenStore,
  options: RuleStoreContractOptions = {},
): void {
  const sql = DIALECT_SQL[options.dialect ?? 'duckdb'];
  const skip = options.skip ?? {};
  const it = (name: string, fn: () => Promise<void>, timeout?: number): void => {
    const reason = skip[name];
    if (reason === undefined) vitestIt(name, fn, timeout ?? options.timeoutMs);
    else vitestIt.skip(`${name} (skipped: ${reason})`, fn);
  };
  describe(`Store contract: ${backend}: detection`, () => {
    let store: Store;
    let now: EpochMicros;
    beforeEach(async () => {
      now = NOW;
      store = await open({ now: () => now });
    }, options.timeoutMs);
    afterEach(async () => {
      await store.close();
    }, options.timeoutMs);

    const params = { window_start: NOW - HOUR, window_end: NOW };
    const limits = { timeoutMs: 10_000, maxRows: 100 };

    describe('runRuleQuery', () => {
      it('binds the window as instants and returns rows as JSON values', async () => {
        now = NOW - 30 * 60 * SECOND;
        await store.writeFlows([buildFlow({ id: 'inside' })]);
        now = NOW - 2 * HOUR;
        await store.writeFlows([buildFlow({ id: 'before' })]);
        now = NOW;
        await store.writeFlows([buildFlow({ id: 'at-the-end' })]);
        const result = await store.runRuleQuery(
          `SELECT id, first_seen_at FROM flows WHERE ${WINDOW} ORDER BY id`,
          params,
          limits,
        );
        expect(result.rows).toEqual([{ id: 'inside', first_seen_at: '2024-01-15T12:00:00.000Z' }]);
        expect(result.truncated).toBe(false);
      });

      it('returns at most maxRows rows and says there were more', async () => {
        const result = await store.runRuleQuery(sql.manyRows, params, { timeoutMs: 10_000, maxRows: 5 });
        expect(result.rows).toHaveLength(5);
        expect(new Set(result.rows.map((r) => r.n)).size).toBe(5);
        if (options.dialect !== 'bigquery') expect(result.rows.map((r) => r.n)).toEqual([0, 1, 2, 3, 4]);
        expect(result.truncated).toBe(true);
      });

      it('stops a query past its time limit with QUERY_TIMEOUT, and the store keeps working', async () => {
        await store.writeFlows([buildFlow()]);
        const started = Date.now();
        await expect(
          store.runRuleQuery(sql.slow, params, { timeoutMs: 200, maxRows: 10 }),
        ).rejects.toMatchObject({
          code: 'QUERY_TIMEOUT',
          message: expect.stringContaining('200 ms') as unknown,
        });
        expect(Date.now() - started).toBeLessThan(10_000);
        expect((await store.runRuleQuery(sql.oneRow, params, limits)).rows).toEqual([{ one: 1 }]);
      });

      it('refuses a parameter it is not given, a second statement and anything but a query', async () => {
        await expect(store.runRuleQuery('SELECT $since AS s', params, limits)).rejects.toMatchObject({
          code: 'QUERY_INVALID',
          message: expect.stringContaining('$since') as unknown,
        });
        await expect(store.runRuleQuery('SELECT 1; SELECT 2', params, limits)).rejects.toMatchObject({
          code: 'QUERY_MULTIPLE_STATEMENTS',
        });
        await expect(store.runRuleQuery('DELETE FROM flows', params, limits)).rejects.toMatchObject({
          code: 'QUERY_INVALID',
        });
        expect(await store.countFlows()).toBe(0);
      });

      it('keeps the line numbers of the rule file in errors, leading comments included', async () => {
        await expect(
          store.runRuleQuery('-- why\n-- more why\nSELECT no_such_column FROM flows', params, limits),
        ).rejects.toMatchObject({ message: expect.stringMatching(sql.errorLine) as unknown });
      });
    });

    describe('describeRuleQuery', () => {
      it('names parameters, relations without common table expressions, table functions and result columns', async () => {
        const shape = await store.describeRuleQuery(sql.shape, NOW);
        expect(shape.parameters).toEqual(['window_start', 'window_end', 'indicators_since']);
        expect(shape.relations).toEqual(['flows', 'indicator_match_periods']);
        expect(shape.tableFunctions).toEqual([sql.shapeFunction]);
        const names = ['id', 'first_seen_at', 'source', 'not_a_table', sql.lastColumn];
        expect(shape.columns).toEqual(names.map((name, i) => ({ name, type: sql.shapeTypes[i] })));
      });

      it('fails with the engine message for SQL that does not bind', async () => {
        await expect(store.describeRuleQuery('SELECT nope FROM flows', NOW)).rejects.toMatchObject({
          code: 'QUERY_INVALID',
          message: expect.stringContaining('nope') as unknown,
        });
      });
    });

    describe('rule state', () => {
      it('starts empty, then keeps the watermarks and the outcome of each run', async () => {
        expect(await store.listRuleStates()).toEqual([]);
        await store.commitRuleRun([], state());
        expect(await store.listRuleStates()).toEqual([
          {
            ruleId: 'test-rule',
            ruleVersion: 'v1',
            flowWatermark: NOW,
            indicatorWatermark: NOW,
            lastRunAt: NOW,
            lastStatus: 'ok',
            lastErrorCode: null,
            lastError: null,
            lastDurationMs: 12.5,
            lastRows: 1,
            lastSuccessAt: NOW,
          },
        ]);
      });

      it('records a failure without moving the watermarks or the version', async () => {
        await store.commitRuleRun([], state());
        await store.recordRuleFailure(
          state({
            ruleVersion: 'v2',
            runAt: NOW + HOUR,
            status: 'failed',
            flowWatermark: NOW + HOUR,
            errorCode: 'RULE_TIMEOUT',
            errorMessage: 'too slow',
          }),
        );
        expect(await store.listRuleStates()).toMatchObject([
          {
            ruleVersion: 'v1',
            flowWatermark: NOW,
            indicatorWatermark: NOW,
            lastRunAt: NOW + HOUR,
            lastStatus: 'failed',
            lastErrorCode: 'RULE_TIMEOUT',
            lastError: 'too slow',
            lastSuccessAt: NOW,
          },
        ]);
      });

      it('reads the ingest time only after the writes queued before it', async () => {
        now = NOW;
        const writing = store.writeFlows([buildFlow({ id: 'queued' })]);
        const at = await store.currentIngestTime();
        await writing;
        expect(at).toBe(NOW);
        expect(
          (
            await store.runRuleQuery(
              `SELECT id FROM flows WHERE ingested_at < ${sql.oneSecondLater} AND $window_start <= $window_end`,
              { window_start: at, window_end: at },
              limits,
            )
          ).rows,
        ).toEqual([{ id: 'queued' }]);
      });
    });

    describe('alerts', () => {
      it('adds a new alert, then merges a repeat within the suppression period into it', async () => {
        expect(await store.commitRuleRun([alertWrite()], state())).toEqual({ created: 1, updated: 0 });
        now = NOW + HOUR;
        const repeat = alertWrite({
          firstSeenAt: NOW + 30 * 60 * SECOND,
          lastSeenAt: NOW + 31 * 60 * SECOND,
          indicatorIds: ['i-2'],
          indicatorSources: ['threatfox'],
          evidence: [{ row: 2 }],
          provenance: [provenance(NOW + HOUR)],
        });
        expect(await store.commitRuleRun([repeat], state({ runAt: NOW + HOUR }))).toEqual({
          created: 0,
          updated: 1,
        });
        const alerts = await store.listAlerts();
        expect(alerts).toHaveLength(1);
        expect(alerts[0]).toMatchObject({
          ruleId: 'test-rule',
          severity: 'high',
          status: 'open',
          count: 2,
          firstSeenAt: NOW - HOUR,
          lastSeenAt: NOW + 31 * 60 * SECOND,
          createdAt: NOW,
          updatedAt: NOW + HOUR,
          deviceName: 'laptop',
          indicatorIds: ['i-1', 'i-2'],
          indicatorSources: ['feodo', 'threatfox'],
          evidence: [{ row: 1 }, { row: 2 }],
          provenance: [provenance(NOW), provenance(NOW + HOUR)],
        });
      });

      it('adds a second alert for a repeat outside the suppression period, or with another key', async () => {
        await store.commitRuleRun([alertWrite({ suppressForUs: HOUR })], state());
        const late = alertWrite({
          firstSeenAt: NOW + 3 * HOUR,
          lastSeenAt: NOW + 3 * HOUR,
          suppressForUs: HOUR,
        });
        const other = alertWrite({ dedupKey: '["192.168.1.21","203.0.113.9"]' });
        expect(await store.commitRuleRun([late, other], state())).toEqual({ created: 2, updated: 0 });
        expect(await store.listAlerts()).toHaveLength(3);
      });

      it('merges writes with one key in one call, keeping at most maxEvidenceRows rows of evidence', async () => {
        const writes = [1, 2, 3, 4, 5].map((n) =>
          alertWrite({ evidence: [{ row: n }], firstSeenAt: NOW - n * SECOND, lastSeenAt: NOW - n * SECOND }),
        );
        expect(await store.commitRuleRun(writes, state())).toEqual({ created: 1, updated: 0 });
        const [alert] = await store.listAlerts();
        expect(alert).toMatchObject({ count: 5, firstSeenAt: NOW - 5 * SECOND, lastSeenAt: NOW - SECOND });
        expect(alert?.evidence).toEqual([{ row: 1 }, { row: 2 }, { row: 3 }]);
      });

      it('writes nothing, alerts or watermarks, when any part of the commit fails', async () => {
        await store.commitRuleRun([], state());
        const broken = alertWrite({ firstSeenAt: Number.NaN });
        await expect(
          store.commitRuleRun(
            [alertWrite(), broken],
            state({ runAt: NOW + HOUR, flowWatermark: NOW + HOUR }),
          ),
        ).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
        expect(await store.listAlerts()).toEqual([]);
        expect((await store.listRuleStates())[0]?.flowWatermark).toBe(NOW);
      });

      it('filters by status, rule, time and severity, most recently seen first', async () => {
        await store.commitRuleRun(
          [
            alertWrite({
              dedupKey: 'a',
              severity: 'low',
              lastSeenAt: NOW - 3 * HOUR,
              firstSeenAt: NOW - 3 * HOUR,
            }),
            alertWrite({ dedupKey: 'b', severity: 'critical' }),
            alertWrite({ dedupKey: 'c', ruleId: 'other-rule', severity: 'medium' }),
          ],
          state(),
        );
        const keys = async (filter: Parameters<Store['listAlerts']>[0]): Promise<string[]> =>
          (await store.listAlerts(filter)).map((a) => a.dedupKey).sort();
        expect(await keys({})).toEqual(['a', 'b', 'c']);
        expect(await keys({ ruleId: 'test-rule' })).toEqual(['a', 'b']);
        expect(await keys({ minSeverity: 'medium' })).toEqual(['b', 'c']);
        expect(await keys({ since: NOW - 2 * HOUR })).toEqual(['b', 'c']);
        expect(await keys({ status: 'closed' })).toEqual([]);
        expect(await keys({ limit: 1 })).toHaveLength(1);
        expect((await store.listAlerts())[2]?.dedupKey).toBe('a');
      });
    });

    describe('resolveDevices', () => {
      it('names a device by hostname, else vendor; by MAC or by the address it had', async () => {
        await store.observeDevices([
          buildDeviceObservation({
            mac: 'f4:f5:d8:01:02:03',
            addr: '192.168.1.20',
            hostname: 'kitchen-speaker',
          }),
          buildDeviceObservation({ mac: '02:00:00:00:00:01', addr: '192.168.1.21' }),
        ]);
        expect(
          await store.resolveDevices([
            { mac: 'F4:F5:D8:01:02:03', addr: null },
            { mac: null, addr: '192.168.1.20' },
            { mac: '02:00:00:00:00:01', addr: null },
            { mac: null, addr: '192.168.1.99' },
            { mac: null, addr: null },
          ]),
        ).toEqual([
          { mac: 'F4:F5:D8:01:02:03', name: 'kitchen-speaker' },
          { mac: 'f4:f5:d8:01:02:03', name: 'kitchen-speaker' },
          { mac: '02:00:00:00:00:01', name: null },
          { mac: null, name: null },
          { mac: null, name: null },
        ]);
      });

      it('names an address by the device seen with it last, ties by MAC, and repeats answer alike', async () => {
        await store.observeDevices([
          buildDeviceObservation({ mac: '02:00:00:00:00:0b', addr: '192.168.1.30', hostname: 'old-laptop' }),
          buildDeviceObservation({
            mac: '02:00:00:00:00:0c',
            addr: '192.168.1.30',
            seenAt: TEST_EPOCH + 60_000_000,
            hostname: 'new-phone',
          }),
          buildDeviceObservation({ mac: '02:00:00:00:00:0e', addr: '192.168.1.31', hostname: 'tv-b' }),
          buildDeviceObservation({ mac: '02:00:00:00:00:0d', addr: '192.168.1.31', hostname: 'tv-a' }),
        ]);
        const refs = [
          { mac: null, addr: '192.168.1.30' },
          { mac: null, addr: '192.168.1.31' },
          { mac: '02:00:00:00:00:0B', addr: '192.168.1.30' },
          { mac: null, addr: '192.168.1.30' },
        ];
        expect(await store.resolveDevices(refs)).toEqual([
          { mac: '02:00:00:00:00:0c', name: 'new-phone' },
          { mac: '02:00:00:00:00:0d', name: 'tv-a' },
          { mac: '02:00:00:00:00:0B', name: 'old-laptop' },
          { mac: '02:00:00:00:00:0c', name: 'new-phone' },
        ]);
      });
    });

    describe('indicator_match_periods', () => {
      const periods = async (): Promise<Record<string, unknown>[]> =>
        (
          await store.query(
            `SELECT value, source, listed_at, active_from, active_until FROM indicator_match_periods ORDER BY value, listed_at`,
          )
        ).rows;
      const iso = (micros: EpochMicros): string => new Date(micros / 1000).toISOString();
      const T0 = TEST_EPOCH;

      it('lets the first listing reach back to the source validity, and a re-listing start when it began', async () => {
        const draft = buildIndicatorDraft({ value: '203.0.113.9' });
        await store.applyFeedSnapshot('feodo', [draft], { startedAt: T0, complete: true });
        await store.applyFeedSnapshot('feodo', [], { startedAt: T0 + HOUR, complete: true });
        await store.applyFeedSnapshot('feodo', [draft], { startedAt: T0 + 5 * HOUR, complete: true });
        await store.applyFeedSnapshot(
          'stix',
          [buildIndicatorDraft({ value: '198.51.100.1', validFrom: T0 - HOUR, validUntil: T0 + 2 * HOUR })],
          { startedAt: T0, complete: true },
        );
        expect(await periods()).toEqual([
          {
            value: '198.51.100.1',
            source: 'stix',
            listed_at: iso(T0),
            active_from: iso(T0 - HOUR),
            active_until: iso(T0 + 2 * HOUR),
          },
          {
            value: '203.0.113.9',
            source: 'feodo',
            listed_at: iso(T0),
            active_from: null,
            active_until: iso(T0 + HOUR),
          },
          {
            value: '203.0.113.9',
            source: 'feodo',
            listed_at: iso(T0 + 5 * HOUR),
            active_from: iso(T0 + 5 * HOUR),
            active_until: null,
          },
        ]);
      });

      it('extends a period by the grace period and leaves allow-listed indicators out', async () => {
        await store.setIndicatorGracePeriod(2);
        await store.applyFeedSnapshot(
          'feodo',
          [buildIndicatorDraft({ value: '203.0.113.9' }), buildIndicatorDraft({ value: '192.0.2.1' })],
          { startedAt: T0, complete: true },
        );
        await store.applyFeedSnapshot('feodo', [], { startedAt: T0 + HOUR, complete: true });
        await store.setAllowlist([
          { type: 'cidr', value: '192.0.2.0/24', reason: 'TEST-NET-1', source: 'user' },
        ]);
        expect(await periods()).toEqual([
          {
            value: '203.0.113.9',
            source: 'feodo',
            listed_at: iso(T0),
            active_from: null,
            active_until: iso(T0 + 3 * HOUR),
          },
        ]);
      });
    });
  });
}
