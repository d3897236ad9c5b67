import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EpochMicros, IndicatorDraft } from '../../records/index.js';
import type { AllowlistEntry, Store } from '../store.js';
import { buildIndicatorDraft, openMemoryStore, TEST_EPOCH } from '../testing.js';
import { openDuckDbStore } from './duckdb-store.js';
import { MIGRATIONS, runMigrations } from './migrations.js';

const HOUR = 3_600_000_000;

/*
 * The views the tables replaced (migrations 2 and 3), computed from scratch: after every write, the
 * tables must hold exactly what these return.
 */
const REFERENCE_ALLOWLIST = `SELECT indicator_id, arg_min(reason, position) AS allowlist_reason,
    arg_min(source, position) AS allowlist_source
  FROM (
    SELECT i.id AS indicator_id, a.position, a.reason, a.source
    FROM indicators i JOIN allowlist a ON i.range_start >= a.range_start AND i.range_end <= a.range_end
    UNION ALL
    SELECT i.id, a.position, a.reason, a.source
    FROM indicators i JOIN (FROM allowlist WHERE match_overlapping) a
      ON i.range_start <= a.range_end AND i.range_end >= a.range_start
    UNION ALL
    SELECT i.id, a.position, a.reason, a.source FROM indicators i JOIN allowlist a ON i.type = a.type AND i.value = a.value
    UNION ALL
    SELECT i.id, a.position, a.reason, a.source
    FROM (FROM indicators WHERE type = 'domain') i
    JOIN (FROM allowlist WHERE type = 'domain') a ON ends_with(i.value, '.' || a.value)
  )
  GROUP BY indicator_id`;

/**
 * What intel-url-host-match computed from each URL before migration 8 kept it as url_host: the host,
 * unless it is empty or an allow-listed domain covers it.
 */
const REFERENCE_URL_HOST = String.raw`lower(rtrim(regexp_extract(i.value, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\[[^\]/]*\]|[^:/?#\[]+)', 1), '.'))`;

const REFERENCE_PERIODS = `SELECT indicator_id, source, type, value, port, range_start, range_end, threat, malware_family,
    confidence, reference, listed_at, active_from, active_until, url_host
  FROM (
    SELECT i.id AS indicator_id, i.source, i.type, i.value, i.port, i.range_start, i.range_end,
           i.threat, i.malware_family, i.confidence, i.reference, l.listed_from AS listed_at,
           CASE WHEN l.listed_from <= i.first_listed_at THEN i.valid_from
                ELSE greatest(l.listed_from, i.valid_from) END AS active_from,
           least(l.listed_until + g.grace, i.valid_until) AS active_until,
           CASE WHEN i.type = 'url' AND ${REFERENCE_URL_HOST} <> '' AND NOT EXISTS (
             SELECT 1 FROM allowlist a WHERE a.type = 'domain'
               AND (${REFERENCE_URL_HOST} = a.value OR ends_with(${REFERENCE_URL_HOST}, '.' || a.value))
           ) THEN ${REFERENCE_URL_HOST} END AS url_host
    FROM indicator_listings l
    JOIN indicators i ON i.id = l.indicator_id
    CROSS JOIN (
      SELECT to_microseconds(CAST(round(coalesce(max(TRY_CAST(value AS DOUBLE)), 0) * 3600000000) AS BIGINT)) AS grace
      FROM settings WHERE key = 'intel.grace_period_h'
    ) g
    WHERE i.id NOT IN (SELECT indicator_id FROM (${REFERENCE_ALLOWLIST}))
  )
  WHERE active_until IS NULL OR active_from IS NULL OR active_from < active_until`;

/** Rows in one relation and not the other, marked with the side they are on; [] when equal. */
function differences(table: string, reference: string): string {
  return `WITH ref AS (${reference})
    SELECT 'table only' AS side, * FROM (FROM ${table} EXCEPT ALL FROM ref)
    UNION ALL
    SELECT 'reference only', * FROM (FROM ref EXCEPT ALL FROM ${table})`;
}

let store: Store;
let now: EpochMicros;

beforeEach(async () => {
  now = TEST_EPOCH;
  store = await openMemoryStore({ now: () => now });
});

afterEach(async () => {
  await store.close();
});

async function expectInStep(): Promise<void> {
  const allow = await store.query(differences('indicator_allowlist', REFERENCE_ALLOWLIST));
  expect(allow.rows).toEqual([]);
  const periods = await store.query(differences('indicator_match_periods', REFERENCE_PERIODS));
  expect(periods.rows).toEqual([]);
}

async function periodsOf(value: string): Promise<Record<string, unknown>[]> {
  const result = await store.query(
    'SELECT source, listed_at, active_from, active_until FROM indicator_match_periods WHERE value = $1 ORDER BY listed_at',
    [value],
  );
  return result.rows;
}

async function snapshot(feed: string, drafts: IndicatorDraft[], complete = true): Promise<void> {
  await store.applyFeedSnapshot(feed, drafts, { startedAt: now, complete });
}

const address = (value: string, more: Partial<IndicatorDraft> = {}): IndicatorDraft =>
  buildIndicatorDraft({ value, port: null, ...more });
const domain = (value: string): IndicatorDraft => buildIndicatorDraft({ type: 'domain', value, port: null });

const url = (value: string): IndicatorDraft => buildIndicatorDraft({ type: 'url', value, port: null });

const iso = (at: EpochMicros): string => new Date(at / 1000).toISOString();

async function urlHosts(): Promise<Record<string, unknown>[]> {
  const result = await store.query(
    "SELECT value, url_host FROM indicator_match_periods WHERE type = 'url' ORDER BY value",
  );
  return result.rows;
}

describe('indicator_match_periods and indicator_allowlist tables', () => {
  it('hold what the views held through first loads, changes, removals, revocations and returns', async () => {
    await snapshot('feodo', [address('203.0.113.9'), address('198.51.100.7'), address('10.1.2.3')]);
    await snapshot('threatfox', [domain('bad.example'), domain('worse.example')]);
    await expectInStep();

    now += HOUR;
    await snapshot('feodo', [address('203.0.113.9', { threat: 'changed' }), address('198.51.100.7')]);
    await expectInStep();
    expect(await periodsOf('10.1.2.3')).toEqual([
      {
        source: 'feodo',
        listed_at: iso(TEST_EPOCH),
        active_from: null,
        active_until: iso(TEST_EPOCH + HOUR),
      },
    ]);
    const changed = await store.query(
      "SELECT threat FROM indicator_match_periods WHERE value = '203.0.113.9'",
    );
    expect(changed.rows).toEqual([{ threat: 'changed' }]);

    now += HOUR;
    await snapshot('feodo', [address('198.51.100.7', { revoked: true })], false);
    await snapshot('threatfox', [domain('bad.example'), domain('new.example')]);
    await expectInStep();

    now += HOUR;
    await snapshot('feodo', [address('10.1.2.3'), address('198.51.100.7')]);
    await expectInStep();
    expect(await periodsOf('10.1.2.3')).toEqual([
      {
        source: 'feodo',
        listed_at: iso(TEST_EPOCH),
        active_from: null,
        active_until: iso(TEST_EPOCH + HOUR),
      },
      {
        source: 'feodo',
        listed_at: iso(TEST_EPOCH + 3 * HOUR),
        active_from: iso(TEST_EPOCH + 3 * HOUR),
        active_until: null,
      },
    ]);
  });

  it('drops what a new allow-list entry covers and brings it back when the entry goes', async () => {
    await snapshot('feodo', [address('203.0.113.9'), address('198.51.100.7')]);
    await snapshot('threatfox', [domain('cdn.example.net'), domain('bad.example')]);
    const entries: AllowlistEntry[] = [
      { type: 'cidr', value: '203.0.113.0/24', reason: 'documentation range', source: 'user' },
      { type: 'domain', value: 'example.net', reason: 'our CDN', source: 'builtin' },
    ];
    await store.setAllowlist(entries);
    await expectInStep();
    expect(await periodsOf('203.0.113.9')).toEqual([]);
    expect(await periodsOf('cdn.example.net')).toEqual([]);
    expect(await periodsOf('198.51.100.7')).toHaveLength(1);
    const reasons = await store.query(
      `SELECT i.value, a.allowlist_reason, a.allowlist_source
       FROM indicator_allowlist a JOIN indicators i ON i.id = a.indicator_id ORDER BY i.value`,
    );
    expect(reasons.rows).toEqual([
      { value: '203.0.113.9', allowlist_reason: 'documentation range', allowlist_source: 'user' },
      { value: 'cdn.example.net', allowlist_reason: 'our CDN', allowlist_source: 'builtin' },
    ]);

    // A feed snapshot after the allow-list: its new indicators are judged against it.
    now += HOUR;
    await snapshot('feodo', [address('203.0.113.9'), address('198.51.100.7'), address('203.0.113.77')]);
    await expectInStep();
    expect(await periodsOf('203.0.113.77')).toEqual([]);

    await store.setAllowlist(entries.slice(1));
    await expectInStep();
    expect(await periodsOf('203.0.113.9')).toHaveLength(1);
    expect(await periodsOf('203.0.113.77')).toHaveLength(1);
    expect(await periodsOf('cdn.example.net')).toEqual([]);
  });

  it('moves every period end when the grace period changes, by either write path', async () => {
    await snapshot('feodo', [address('203.0.113.9'), address('198.51.100.7')]);
    now += HOUR;
    await snapshot('feodo', [address('198.51.100.7')]);
    const end = async (): Promise<unknown> => (await periodsOf('203.0.113.9'))[0]?.['active_until'];
    expect(await end()).toBe(iso(TEST_EPOCH + HOUR));

    await store.setIndicatorGracePeriod(24);
    await expectInStep();
    expect(await end()).toBe(iso(TEST_EPOCH + 25 * HOUR));

    // Settings written under a prefix that covers the grace period delete it with the others.
    await store.replaceSettings('intel.', { 'intel.domain_match.threatfox': 'subdomains' });
    await expectInStep();
    expect(await end()).toBe(iso(TEST_EPOCH + HOUR));
  });

  it('hold what the views held after a first load of every kind of indicator, with an allow-list and a grace period', async () => {
    await store.setAllowlist([
      { type: 'cidr', value: '203.0.113.0/24', reason: 'documentation range', source: 'user' },
      { type: 'domain', value: 'example.net', reason: 'our CDN', source: 'builtin' },
    ]);
    await store.setIndicatorGracePeriod(2);
    await snapshot('mixed', [
      address('203.0.113.9'),
      address('198.51.100.7', { validFrom: now - HOUR, validUntil: now + HOUR }),
      address('198.51.100.8', { validUntil: now - HOUR }),
      address('198.51.100.9', { validFrom: now + HOUR }),
      address('198.51.100.10', { revoked: true }),
      buildIndicatorDraft({ type: 'cidr', value: '192.0.2.0/28', port: null }),
      domain('cdn.example.net'),
      domain('bad.example'),
      url('http://files.example.net/x.exe'),
      url('https://Bad.Example./login'),
      url('http://[2001:db8::1]:8080/a'),
      url('not a url'),
      buildIndicatorDraft({ type: 'url', value: 'http://revoked.example/', port: null, revoked: true }),
    ]);
    await expectInStep();
    expect(await urlHosts()).toEqual([
      { value: 'http://[2001:db8::1]:8080/a', url_host: '[2001:db8::1]' },
      { value: 'http://files.example.net/x.exe', url_host: null },
      { value: 'https://Bad.Example./login', url_host: 'bad.example' },
      { value: 'not a url', url_host: null },
    ]);
    expect(await periodsOf('198.51.100.10')).toEqual([]);
    expect(await periodsOf('198.51.100.8')).toEqual([
      { source: 'mixed', listed_at: iso(now), active_from: null, active_until: iso(now - HOUR) },
    ]);
    expect(await periodsOf('198.51.100.9')).toEqual([
      { source: 'mixed', listed_at: iso(now), active_from: iso(now + HOUR), active_until: null },
    ]);
  });

  it('writes nothing when the allow-list, grace period and settings are set to what is stored', async () => {
    // `feeds update` sets all three on every run: unchanged, they must leave the file without a
    // write (an empty WAL at close); a change in any one field must still be written and applied.
    const dir = mkdtempSync(join(tmpdir(), 'yamori-settings-'));
    const path = join(dir, 'yamori.duckdb');
    const entries: AllowlistEntry[] = [
      {
        type: 'cidr',
        value: '203.0.113.0/24',
        reason: 'documentation range',
        source: 'user',
        matchOverlapping: true,
      },
      { type: 'domain', value: 'Example.NET.', reason: 'our CDN', source: 'builtin' },
      { type: 'url', value: 'https://x.example/a', reason: 'a page', source: 'user' },
    ];
    const syncAll = async (
      file: Store,
      list: AllowlistEntry[],
      hours: number,
      mode: string,
    ): Promise<void> => {
      await file.setAllowlist(list);
      await file.setIndicatorGracePeriod(hours);
      await file.replaceSettings('intel.domain_match.', {
        'intel.domain_match.b': mode,
        'intel.domain_match.a': 'x',
      });
    };
    const walBytes = (): number => (existsSync(path + '.wal') ? statSync(path + '.wal').size : 0);
    const open = (): Promise<Store> =>
      openDuckDbStore(
        { database: { path }, maxBatchRows: 1000, flushIntervalMs: 60_000 },
        { now: () => now },
      );
    try {
      let file = await open();
      await file.applyFeedSnapshot('feodo', [address('203.0.113.9'), address('198.51.100.7')], {
        startedAt: now,
        complete: true,
      });
      await syncAll(file, entries, 2, 'subdomains');
      await file.close();
      const rows = async (): Promise<unknown[]> =>
        (await file.query('SELECT * FROM allowlist ORDER BY position')).rows;

      file = await open();
      const before = await rows();
      await syncAll(file, entries, 2, 'subdomains');
      expect(walBytes()).toBe(0);
      expect(await rows()).toEqual(before);

      const changed = [entries[0]!, { ...entries[1]!, reason: 'their CDN' }, entries[2]!];
      await syncAll(file, changed, 2, 'subdomains');
      expect(walBytes()).toBeGreaterThan(0);
      expect((await rows()).map((row) => (row as { reason: string }).reason)).toEqual([
        'documentation range',
        'their CDN',
        'a page',
      ]);
      await file.close();

      for (const [list, hours, mode] of [
        [entries.slice(0, 2), 2, 'subdomains'],
        [entries, 3, 'subdomains'],
        [entries, 2, 'exact'],
      ] as const) {
        file = await open();
        await syncAll(file, [...list], hours, mode);
        expect(walBytes()).toBeGreaterThan(0);
        const settings = await file.query(
          "SELECT key, value FROM settings WHERE starts_with(key, 'intel.') ORDER BY key",
        );
        expect(settings.rows).toEqual([
          { key: 'intel.domain_match.a', value: 'x' },
          { key: 'intel.domain_match.b', value: mode },
          { key: 'intel.grace_period_h', value: String(hours) },
        ]);
        expect(await file.query('SELECT count(*) AS n FROM allowlist')).toMatchObject({
          rows: [{ n: list.length }],
        });
        await file.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is read by the next rule query right after the allow-list changes', async () => {
    await snapshot('feodo', [address('203.0.113.9')]);
    const sql = `SELECT value FROM indicator_match_periods
      WHERE listed_at >= $indicators_since AND listed_at < $indicators_until
        AND $window_start < $window_end`;
    const params = {
      window_start: now - HOUR,
      window_end: now + HOUR,
      indicators_since: 0,
      indicators_until: now + HOUR,
    };
    const limits = { timeoutMs: 10_000, maxRows: 10 };
    expect((await store.runRuleQuery(sql, params, limits)).rows).toEqual([{ value: '203.0.113.9' }]);
    await store.setAllowlist([{ type: 'ipv4', value: '203.0.113.9', reason: 'ours', source: 'user' }]);
    expect((await store.runRuleQuery(sql, params, limits)).rows).toEqual([]);
    await store.setAllowlist([]);
    expect((await store.runRuleQuery(sql, params, limits)).rows).toEqual([{ value: '203.0.113.9' }]);
  });
});

describe('indicator_match_periods.url_host', () => {
  it('holds the host of each URL indicator, lowercase and without its final dot, and null for other types', async () => {
    await snapshot('urlhaus', [
      url('http://Update-Check.BadExample.net./v2/check?id=7'),
      url('https://user:pw@login.badexample.net:8443/verify'),
      url('http://203.0.113.5:8080/bins/mips'),
      url('http://[2001:db8::5]/x.sh'),
      url('file:///etc/passwd'),
    ]);
    await snapshot('feodo', [address('203.0.113.9')]);
    await expectInStep();
    expect(await urlHosts()).toEqual([
      { value: 'file:///etc/passwd', url_host: null },
      { value: 'http://203.0.113.5:8080/bins/mips', url_host: '203.0.113.5' },
      { value: 'http://Update-Check.BadExample.net./v2/check?id=7', url_host: 'update-check.badexample.net' },
      { value: 'http://[2001:db8::5]/x.sh', url_host: '[2001:db8::5]' },
      { value: 'https://user:pw@login.badexample.net:8443/verify', url_host: 'login.badexample.net' },
    ]);
    const others = await store.query("SELECT url_host FROM indicator_match_periods WHERE type <> 'url'");
    expect(others.rows).toEqual([{ url_host: null }]);
  });

  it('stays in step when URLs are added, removed, listed again, allow-listed and given a grace period', async () => {
    await snapshot('urlhaus', [url('http://a.badexample.net/1'), url('http://b.badexample.net/2')]);
    now += HOUR;
    await snapshot('urlhaus', [url('http://b.badexample.net/2'), url('http://c.badexample.net/3')]);
    await expectInStep();
    now += HOUR;
    await snapshot('urlhaus', [url('http://a.badexample.net/1'), url('http://c.badexample.net/3')]);
    await expectInStep();
    // Two listing periods of a.badexample.net, each with its host.
    const periods = await store.query(
      "SELECT url_host FROM indicator_match_periods WHERE value = 'http://a.badexample.net/1'",
    );
    expect(periods.rows).toEqual([{ url_host: 'a.badexample.net' }, { url_host: 'a.badexample.net' }]);

    // An allow-list entry for the URL itself removes its rows, and they come back with their host.
    await store.setAllowlist([
      { type: 'url', value: 'http://c.badexample.net/3', reason: 'ours', source: 'user' },
    ]);
    await expectInStep();
    expect((await urlHosts()).map((row) => row['url_host'])).not.toContain('c.badexample.net');
    await store.setAllowlist([]);
    await expectInStep();
    expect((await urlHosts()).map((row) => row['url_host'])).toContain('c.badexample.net');

    // An allow-listed domain keeps its URLs but takes away their hosts, its subdomains' too.
    await store.setAllowlist([
      { type: 'domain', value: 'b.badexample.net', reason: 'file sharing', source: 'builtin' },
    ]);
    await expectInStep();
    expect(await urlHosts()).toEqual([
      { value: 'http://a.badexample.net/1', url_host: 'a.badexample.net' },
      { value: 'http://a.badexample.net/1', url_host: 'a.badexample.net' },
      { value: 'http://b.badexample.net/2', url_host: null },
      { value: 'http://c.badexample.net/3', url_host: 'c.badexample.net' },
    ]);
    now += HOUR;
    await snapshot('urlhaus', [
      url('http://a.badexample.net/1'),
      url('http://c.badexample.net/3'),
      url('http://x.b.badexample.net/4'),
    ]);
    await expectInStep();
    const sub = await store.query(
      "SELECT url_host FROM indicator_match_periods WHERE value = 'http://x.b.badexample.net/4'",
    );
    expect(sub.rows).toEqual([{ url_host: null }]);
    await store.setAllowlist([]);
    await expectInStep();

    await store.setIndicatorGracePeriod(6);
    await expectInStep();
    await store.replaceSettings('intel.', {});
    await expectInStep();
    expect(await urlHosts()).toHaveLength(5);
  });
});

describe('migration 8', () => {
  it('fills url_host for the URL rows a database at version 7 holds, leaving out allow-listed hosts', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const options = { path: ':memory:', now: () => TEST_EPOCH };
      await runMigrations(connection, { ...options, migrations: MIGRATIONS.filter((m) => m.version <= 7) });
      await connection.run(`INSERT INTO indicator_match_periods
        (indicator_id, source, type, value, listed_at)
        VALUES (uuid(), 'urlhaus', 'url', 'https://User@Files.BadExample.net.:443/a?b', make_timestamptz(${TEST_EPOCH})),
               (uuid(), 'openphish', 'url', 'https://User@Files.BadExample.net.:443/a?b', make_timestamptz(${TEST_EPOCH})),
               (uuid(), 'urlhaus', 'url', 'https://raw.github.com/x/y.ps1', make_timestamptz(${TEST_EPOCH})),
               (uuid(), 'urlhaus', 'url', 'no scheme here', make_timestamptz(${TEST_EPOCH})),
               (uuid(), 'threatfox', 'domain', 'files.badexample.net', make_timestamptz(${TEST_EPOCH}))`);
      await connection.run(
        "INSERT INTO allowlist (position, type, value, match_overlapping, reason, source) VALUES (0, 'domain', 'github.com', false, 'code hosting', 'builtin')",
      );
      await runMigrations(connection, options);
      const stored = await connection.runAndReadAll(
        'SELECT type, value, url_host FROM indicator_match_periods ORDER BY value, source',
      );
      expect(stored.getRows()).toEqual([
        ['domain', 'files.badexample.net', null],
        ['url', 'https://User@Files.BadExample.net.:443/a?b', 'files.badexample.net'],
        ['url', 'https://User@Files.BadExample.net.:443/a?b', 'files.badexample.net'],
        ['url', 'https://raw.github.com/x/y.ps1', null],
        ['url', 'no scheme here', null],
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('migration 6', () => {
  it('fills the tables from a database at version 5 as the views computed them', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const options = { path: ':memory:', now: () => TEST_EPOCH };
      await runMigrations(connection, { ...options, migrations: MIGRATIONS.filter((m) => m.version <= 5) });
      await connection.run(`INSERT INTO indicators
        SELECT uuid(), 'feodo', 'ipv4', '203.0.113.' || n, NULL,
               281470681743360 + 3405803776 + n, 281470681743360 + 3405803776 + n, NULL, NULL,
               'botnet_cc', NULL, NULL, [], NULL, NULL, NULL, NULL, NULL, false, NULL,
               make_timestamptz(${TEST_EPOCH}), make_timestamptz(${TEST_EPOCH}), NULL, 0
        FROM range(10) t(n)`);
      await connection.run(
        `INSERT INTO indicator_listings SELECT id, first_listed_at, CASE WHEN value = '203.0.113.1' THEN first_listed_at + INTERVAL 1 HOUR END FROM indicators`,
      );
      await connection.run(
        "INSERT INTO allowlist VALUES (0, 'ipv4', '203.0.113.2', 281470681743360 + 3405803778, 281470681743360 + 3405803778, false, 'ours', 'user')",
      );
      await connection.run("INSERT INTO settings VALUES ('intel.grace_period_h', '2')");
      const reference = (
        await connection.runAndReadAll(
          `SELECT * EXCLUDE (url_host) FROM (${REFERENCE_PERIODS}) ORDER BY value`,
        )
      ).getRows();
      await runMigrations(connection, { ...options, migrations: MIGRATIONS.filter((m) => m.version <= 6) });
      const stored = (
        await connection.runAndReadAll('FROM indicator_match_periods ORDER BY value')
      ).getRows();
      expect(stored).toEqual(reference);
      expect(stored).toHaveLength(9);
      const allow = await connection.runAndReadAll(
        'SELECT allowlist_reason, allowlist_source FROM indicator_allowlist',
      );
      expect(allow.getRows()).toEqual([['ours', 'user']]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
