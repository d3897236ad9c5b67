/**
 * How fast the store applies feed snapshots: a first load of N indicators (default one million), an
 * unchanged refresh of the same N, a refresh where 1% changed, 1% left and 1% are new, and a lookup
 * against the full table. Prints rows/s for each, in memory and in a file database.
 *
 * Usage: npx tsx bench/indicators.ts [--rows N] [--file-only | --memory-only]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { IndicatorDraft } from '../src/records/index.js';
import { openDuckDbStore, type Store } from '../src/store/index.js';

const START_US = Date.UTC(2024, 4, 14, 18) * 1000;
const HOUR_US = 3_600_000_000;

/** Indicators shaped like the big feeds: single IPv4 addresses with a port, some networks, URLs, domains. */
function buildDrafts(count: number, offset = 0): IndicatorDraft[] {
  const drafts: IndicatorDraft[] = new Array<IndicatorDraft>(count);
  for (let i = 0; i < count; i++) {
    const n = i + offset;
    const kind = n % 10;
    const a = (n >>> 16) & 0xff;
    const b = (n >>> 8) & 0xff;
    const c = n & 0xff;
    let type: IndicatorDraft['type'] = 'ipv4';
    let value = `${11 + (n >>> 24)}.${a}.${b}.${c}`;
    if (kind === 7) {
      type = 'cidr';
      value = `${100 + (n >>> 16)}.${b}.${c}.0/24`;
    } else if (kind === 8) {
      type = 'domain';
      value = `host-${n}.example-${a}.test`;
    } else if (kind === 9) {
      type = 'url';
      value = `http://host-${n}.example-${a}.test:8080/bins/payload.${c}`;
    }
    drafts[i] = {
      type,
      value,
      port: type === 'ipv4' ? 443 + (n % 3) : null,
      threat: 'botnet_cc',
      malwareFamily: 'QakBot',
      confidence: 75,
      tags: ['c2', 'qakbot'],
      reference: null,
      sourceFirstSeenAt: START_US - n * 1_000_000,
      sourceLastSeenAt: null,
      validFrom: null,
      validUntil: null,
      revoked: false,
      raw: { first_seen_utc: '2024-05-14 18:00:00', dst_ip: value, dst_port: '443', c2_status: 'online' },
    };
  }
  return drafts;
}

/**
 * Wall time and the process's CPU time (all threads, DuckDB's included): on a shared machine the
 * wall time varies with other load, while CPU time shows the work done.
 */
async function timed<T>(label: string, rows: number, task: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await task();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = Math.round(rows / seconds).toLocaleString('en');
  console.log(
    `  ${label.padEnd(44)} ${seconds.toFixed(2).padStart(6)} s  ${rate.padStart(11)} rows/s  (cpu ${cpuSeconds.toFixed(2)} s)`,
  );
  return result;
}

async function benchStore(name: string, store: Store, rows: number): Promise<void> {
  console.log(`${name}, ${rows.toLocaleString('en')} indicators`);
  const drafts = buildDrafts(rows);
  const first = await timed('first load', rows, () =>
    store.applyFeedSnapshot('bench', drafts, { startedAt: START_US, complete: true }),
  );
  const same = await timed('unchanged refresh', rows, () =>
    store.applyFeedSnapshot('bench', drafts, { startedAt: START_US + HOUR_US, complete: true }),
  );
  const changedDrafts = drafts.slice(Math.floor(rows / 100));
  for (let i = 0; i < rows / 100; i++) changedDrafts[i] = { ...changedDrafts[i]!, confidence: 90 };
  changedDrafts.push(...buildDrafts(Math.floor(rows / 100), rows));
  const changed = await timed('refresh with 1% changed, 1% gone, 1% new', rows, () =>
    store.applyFeedSnapshot('bench', changedDrafts, { startedAt: START_US + 2 * HOUR_US, complete: true }),
  );
  const lookups = 200;
  await timed(`${lookups} lookups (address in a network)`, lookups, async () => {
    for (let i = 0; i < lookups; i++) await store.lookupIndicators(`100.0.${i}.7`);
  });
  console.log('  counts:', JSON.stringify({ first, same, changed }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      'file-only': { type: 'boolean', default: false },
      'memory-only': { type: 'boolean', default: false },
    },
  });
  const rows = Number(values.rows);
  const config = (dbPath: string) => ({
    database: { path: dbPath },
    maxBatchRows: 50_000,
    flushIntervalMs: 2_000,
  });
  if (!values['file-only']) {
    const store = await openDuckDbStore(config(':memory:'));
    await benchStore('in memory', store, rows);
    await store.close();
  }
  if (!values['memory-only']) {
    const dir = mkdtempSync(path.join(tmpdir(), 'yamori-bench-'));
    try {
      const store = await openDuckDbStore(config(path.join(dir, 'bench.duckdb')));
      await benchStore('file', store, rows);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
