import type { DuckDBAppender, DuckDBConnection } from './duckdb-api.js';
import type { EpochMicros, FlowRecord } from '../../records/index.js';
import type { OuiVendorLookup } from '../oui-vendor.js';
import type { WriteBatch } from '../store.js';
import type { DnsAppender } from './append-dns.js';
import type { FlowAppender } from './append-flows.js';
import { markFlowHoursDirty, ROLLUP_HOUR_US } from './flow-rollups.js';
import { mergeDevices } from './merge-devices.js';

/**
 * DuckDB's memory limit while a stream is written. Rows appended in a transaction stay in memory
 * until COMMIT as long as the limit leaves room for them; under a low limit DuckDB writes each row
 * group to the database file as it fills (an "optimistic write"), so a million flows cost a few row
 * groups of memory instead of all of them. Measured on a million flows in one transaction: 211 MB of
 * DuckDB memory at the default limit, 24 MB at 64 MB; 32 MB takes some 20 MB less again (16 and 24
 * MB run out of memory). That much on top of what DuckDB already holds when the stream starts: rows
 * committed and not yet checkpointed stay in memory, and a commit must pin some of them (a stream
 * limited to 32 MB in all, after 50,000 flows and 70,000 DNS answers in 10,000-flow batches, failed
 * to commit).
 */
const STREAM_MEMORY_BYTES = 32 << 20;
/**
 * DuckDB's threads while a stream is written: one. The appends run on the calling thread anyway, and
 * with the others idle the row groups' compression costs less CPU and memory (each thread keeps
 * buffers of its own).
 */
const STREAM_THREADS = 1;
/**
 * Rows an appender takes before it is flushed into the transaction. Each flush has a cost of its own
 * (a million flows flushed every 2,048 rows spent 17 of 50 CPU seconds in it), while unflushed rows
 * wait in the appender uncompressed, about 5 MB per 16,384 flows.
 */
const FLUSH_ROWS = 16_384;

export interface BatchStreamParts {
  writer: DuckDBConnection;
  flowAppender: DuckDBAppender;
  dnsAppender: DuckDBAppender;
  flowColumns: FlowAppender;
  dnsColumns: DnsAppender;
  now: () => EpochMicros;
}

/**
 * `Store.writeBatchStream` for DuckDB: one transaction over every batch, each batch's devices, DNS
 * answers and flows in that order (as the pipeline writes them one batch at a time). One commit for
 * the lot is also what makes it cheap: every commit of a batch costs a write-ahead-log flush and,
 * every 16 MB of log, a checkpoint that compresses the table's newest row group again. A million
 * flows took 28 CPU seconds in 10,000-row transactions and 10 in one.
 *
 * A pipeline also writes each ordinary batch through it, as a stream of one: one transaction and one
 * commit for its devices, DNS answers and flows, where three writes took three.
 *
 * Runs on the store's write connection with nothing else writing (the caller queues it). On failure
 * the appenders are cleared and the transaction rolled back, then the error is rethrown; a lowered
 * memory limit and thread count are reset either way (`RESET`: no other part of the store sets them).
 */
export async function appendBatchStream(
  parts: BatchStreamParts,
  batches: Iterable<WriteBatch> | AsyncIterable<WriteBatch>,
  vendorOf: () => Promise<OuiVendorLookup>,
): Promise<void> {
  const { writer, flowAppender, dnsAppender } = parts;
  // Lowered from the second batch on: a stream of one batch is an ordinary batch write, which should
  // not squeeze what readers on other connections may use meanwhile.
  let isLimited = false;
  let batchCount = 0;
  try {
    await writer.run('BEGIN TRANSACTION');
    try {
      // Rows appended since the appender's last flush, and one flow of every hour the stream wrote into.
      let unflushedDns = 0;
      let unflushedFlows = 0;
      const flowOfHour = new Map<number, FlowRecord>();
      for await (const batch of batches) {
        if (++batchCount === 2) {
          isLimited = true;
          const inUse = await writer.runAndReadAll(
            'SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory()',
          );
          const limit = Number(inUse.getRows()[0]?.[0] ?? 0) + STREAM_MEMORY_BYTES;
          await writer.run(`SET memory_limit = '${Math.ceil(limit / 1024)}KiB'`);
          await writer.run(`SET threads = ${STREAM_THREADS}`);
        }
        if (batch.devices.length > 0) await mergeDevices(writer, batch.devices, await vendorOf());
        if (batch.dns.length > 0) {
          parts.dnsColumns.append(batch.dns, parts.now());
          unflushedDns += batch.dns.length;
          if (unflushedDns >= FLUSH_ROWS) {
            dnsAppender.flushSync();
            unflushedDns = 0;
          }
        }
        if (batch.flows.length > 0) {
          parts.flowColumns.append(batch.flows, parts.now());
          unflushedFlows += batch.flows.length;
          if (unflushedFlows >= FLUSH_ROWS) {
            flowAppender.flushSync();
            unflushedFlows = 0;
          }
          for (const flow of batch.flows) {
            const hour = Math.floor(flow.firstSeenAt / ROLLUP_HOUR_US);
            if (!flowOfHour.has(hour)) flowOfHour.set(hour, flow);
          }
        }
      }
      if (unflushedDns > 0) dnsAppender.flushSync();
      if (unflushedFlows > 0) flowAppender.flushSync();
      // Once for the stream: marking the hours costs a statement, whatever number of flows it is given.
      if (flowOfHour.size > 0) await markFlowHoursDirty(writer, [...flowOfHour.values()]);
      await writer.run('COMMIT');
    } catch (error) {
      for (const appender of [flowAppender, dnsAppender]) {
        try {
          appender.clear();
        } catch {
          // Nothing more to undo: the rollback below discards whatever reached the transaction.
        }
      }
      await writer.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    if (isLimited) {
      await writer.run('RESET memory_limit');
      await writer.run('RESET threads');
    }
  }
}
