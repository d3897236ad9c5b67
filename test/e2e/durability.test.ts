import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBulkTraffic, writePcapFile } from '../../src/capture/index.js';
import { collect, describeRun, jsonLines, makeTempDir, runYamori, startYamori } from './testing.js';

const BATCH_LINE = /^debug batch written flows_total=(\d+) dns_total=(\d+)$/;

describe('yamori import pcap killed with SIGKILL mid-import', () => {
  const dir = makeTempDir('durability');
  const pcap = join(dir, 'bulk.pcap');
  const config = join(dir, 'yamori.yaml');
  const db = join(dir, 'killed.duckdb');

  beforeAll(async () => {
    // About 50 s of traffic at 20 000 packets/s: with small batches and short timeouts, thousands of
    // flows end, and are written, long before the file does.
    await writePcapFile(pcap, generateBulkTraffic({ packets: 1_000_000, seed: 7, flows: 500 }));
    writeFileSync(
      config,
      [
        'store:',
        '  max_batch_rows: 2000',
        'flow:',
        '  tcp_idle_timeout_s: 5',
        '  udp_idle_timeout_s: 5',
        '  tcp_closed_timeout_s: 1',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the import with --debug, SIGKILLs it once `killAfter` batches are reported (never if null). */
  async function importReportingBatches(target: string, killAfter: number | null) {
    const child = startYamori(['--db', target, '--config', config, '--debug', 'import', 'pcap', pcap]);
    const totals: { flows: number; dns: number }[] = [];
    let pending = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = BATCH_LINE.exec(line);
        if (match) totals.push({ flows: Number(match[1]), dns: Number(match[2]) });
      }
      // Killed as soon as the batch is reported: no chance to close the database or finish a write.
      if (killAfter !== null && totals.length >= killAfter && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL');
      }
    });
    const run = await collect(child, 60_000);
    return { run, totals };
  }

  async function storedCounts(target: string): Promise<{ flows: number; dns: number }> {
    const info = await runYamori(['--db', target, 'db', 'info', '--json']);
    expect(info.code, describeRun(info)).toBe(0);
    const [parsed] = jsonLines<{ tables: { name: string; rows: number }[] }>(info.stdout);
    const rows = (name: string): number => parsed!.tables.find((t) => t.name === name)!.rows;
    return { flows: rows('flows'), dns: rows('dns') };
  }

  it('keeps every flow it reported as written, whole batches only, and the database opens afterwards', async () => {
    // An uninterrupted import of the same file gives every batch boundary: reading a file is deterministic.
    const reference = await importReportingBatches(join(dir, 'reference.duckdb'), null);
    expect(reference.run.code, describeRun(reference.run)).toBe(0);
    expect(reference.totals.length).toBeGreaterThan(6);

    const killed = await importReportingBatches(db, 3);
    expect(killed.run.signal, describeRun(killed.run)).toBe('SIGKILL');
    expect(killed.run.stdout).toBe(''); // killed mid-import: no summary
    expect(killed.totals.length).toBeGreaterThanOrEqual(3);
    expect(killed.totals).toEqual(reference.totals.slice(0, killed.totals.length));
    const last = killed.totals[killed.totals.length - 1]!;
    expect(last.flows).toBeGreaterThan(0);

    const stored = await storedCounts(db);
    expect(stored.flows).toBeGreaterThanOrEqual(last.flows);
    expect(stored.dns).toBeGreaterThanOrEqual(last.dns);
    // A batch may have become durable between its log line and the kill, but never part of one. DNS
    // answers are written just before the flows of their batch, so they may be one batch ahead.
    const batch = reference.totals.findIndex((total) => total.flows === stored.flows);
    expect(batch, `${stored.flows} flows is no batch boundary`).toBeGreaterThanOrEqual(0);
    expect([reference.totals[batch]!.dns, reference.totals[batch + 1]?.dns]).toContain(stored.dns);
    expect(stored.flows).toBeLessThan(reference.totals[reference.totals.length - 1]!.flows);

    const counted = await runYamori(['--db', db, 'query', 'SELECT count(*) AS n FROM flows', '--json']);
    expect(counted.code, describeRun(counted)).toBe(0);
    expect(jsonLines(counted.stdout)).toEqual([{ n: stored.flows }]);
  });
});
