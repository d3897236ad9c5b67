import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFeedServer, type FeedServer } from '../../src/intel/testing.js';
import { describeRun, jsonLines, makeTempDir, REPO_ROOT, runYamori } from './testing.js';

const FEEDS_DIR = join(REPO_ROOT, '../shared/feeds');

describe.skipIf(!existsSync(FEEDS_DIR))('yamori feeds and intel lookup (needs ../shared/feeds)', () => {
  const dir = makeTempDir('feeds-e2e');
  const db = join(dir, 'yamori.duckdb');
  const config = join(dir, 'yamori.yaml');
  let server: FeedServer;
  const feodoFile = join(FEEDS_DIR, 'feodo_ipblocklist.csv');
  const feodoRows = readFileSync(feodoFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('"20'));
  const firstIp = /","([\d.]+)","(\d+)"/.exec(feodoRows[0]!)!;

  beforeAll(async () => {
    server = await startFeedServer({ root: FEEDS_DIR });
    writeFileSync(
      config,
      [
        'intel:',
        '  feeds:',
        `    cins: { enabled: true, url: "${server.urlFor('/cins_ci-badguys.txt')}" }`,
        `    tor-exits: { url: "${server.urlFor('/tor_torbulkexitlist.txt')}" }`,
        `    my-list: { url: "${server.urlFor('/openphish_feed.txt')}", format: text-list, type: url, threat: phishing }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => server?.close());

  const yamori = (...args: string[]) => runYamori(['--db', db, '--config', config, ...args]);

  it('loads one run of a feed from a file and says what it added', async () => {
    const result = await yamori('feeds', 'update', 'feodo', '--file', feodoFile);
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toMatch(/^feodo: \+\d+ new, 0 updated, 0 retired/m);
  });

  it('fetches configured feeds from a server and reports an unchanged second run', async () => {
    const first = await yamori('feeds', 'update', 'cins', 'tor-exits', 'my-list', '--json');
    expect(first.code, describeRun(first)).toBe(0);
    const runs = jsonLines<{ feed: string; status: string; added: number; http_status: number }>(
      first.stdout,
    );
    expect(runs.map((r) => [r.feed, r.status, r.http_status])).toEqual([
      ['cins', 'ok', 200],
      ['tor-exits', 'ok', 200],
      ['my-list', 'ok', 200],
    ]);
    expect(runs.every((r) => r.added > 0)).toBe(true);
    const again = await yamori('feeds', 'update', 'cins');
    expect(again.stdout).toContain('cins: unchanged (HTTP 304)');
  });

  it('loads a run from another URL (a mirror)', async () => {
    const result = await yamori(
      'feeds',
      'update',
      'et-compromised',
      '--url',
      server.urlFor('/et_compromised-ips.txt'),
    );
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout).toMatch(/^et-compromised: \+\d+ new/m);
  });

  it('lists feeds with counts and health', async () => {
    const result = await yamori('feeds', 'list', '--json');
    const feeds = jsonLines<{ name: string; enabled: boolean; listed: number; health: string }>(
      result.stdout,
    );
    expect(feeds.find((f) => f.name === 'feodo')).toMatchObject({
      enabled: true,
      listed: feodoRows.length,
      health: 'healthy',
    });
    expect(feeds.find((f) => f.name === 'my-list')).toMatchObject({ enabled: true, health: 'healthy' });
    expect(feeds.find((f) => f.name === 'otx')).toMatchObject({ enabled: false, health: 'never-run' });
    const table = await yamori('feeds', 'list');
    expect(table.stdout.split('\n')[0]).toMatch(
      /^feed\s+on\s+format\s+every\s+last run\s+result\s+listed\s+health/,
    );
  });

  it('shows one feed with its licence and runs', async () => {
    const result = await yamori('feeds', 'show', 'feodo');
    expect(result.stdout).toContain('licence    abuse.ch terms of use');
    expect(result.stdout).toMatch(/recent runs:\n\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}ok/);
  });

  it('looks up an address and names the source, threat and listing period', async () => {
    const result = await yamori('intel', 'lookup', firstIp[1]!, '--json');
    const [match] = jsonLines<{
      source: string;
      port: number;
      threat: string;
      is_active: boolean;
      listings: unknown[];
    }>(result.stdout);
    expect(match).toMatchObject({
      source: 'feodo',
      port: Number(firstIp[2]),
      threat: 'botnet_cc',
      is_active: true,
    });
    expect(match!.listings).toHaveLength(1);
    const none = await yamori('intel', 'lookup', '192.0.2.1');
    expect(none.stdout).toBe('192.0.2.1: no source lists it\n');
  });

  it('exits 1 and keeps going when one feed fails, with the error and a hint', async () => {
    server.handle('/cins_ci-badguys.txt', (_req, res) => res.writeHead(404).end('gone'));
    const result = await yamori('feeds', 'update', 'cins', 'tor-exits');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/cins: failed: error FEED_HTTP_STATUS: .* answered HTTP 404/);
    expect(result.stdout).toContain('hint: The feed may have moved');
    expect(result.stdout).toMatch(/tor-exits: unchanged/);
  });

  it('refuses --file without exactly one feed, and an unknown feed name', async () => {
    const both = await yamori('feeds', 'update', 'feodo', 'cins', '--file', feodoFile);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('error CLI_USAGE: --file loads one run of one feed');
    const unknown = await yamori('feeds', 'show', 'fodo');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error INTEL_FEED_UNKNOWN: There is no feed named "fodo".');
  });
});
