import type { BqParamValue, BqValue } from './bigquery-values.js';
import type { BigQueryConnection } from './connection.js';
import type { IntelField } from './intel-schema.js';

/** How long to wait for streamed rows to show in queries before giving up. */
const VISIBLE_WITHIN_MS = 60_000;

/**
 * What the intel methods need of BigQuery, over the backend's one connection (connection.ts): queries
 * and scripts with named parameters, streaming inserts, and short-lived tables of their own.
 */
export interface IntelDb {
  /** `project.dataset.name` in backticks. */
  table(name: string): string;
  query(sql: string, params?: Readonly<Record<string, BqParamValue>>): Promise<Record<string, BqValue>[]>;
  /** The statements as one multi-statement transaction. */
  transaction(statements: readonly string[], params?: Readonly<Record<string, BqParamValue>>): Promise<void>;
  insertRows(table: string, rows: readonly object[]): Promise<void>;
  createTable(name: string, fields: readonly IntelField[], options: { expiresAt: number }): Promise<void>;
  dropTable(name: string): Promise<void>;
  /** Waits until queries see `count` rows in `table` (streamed rows may take a moment). */
  waitForRows(table: string, count: number): Promise<void>;
}

export function createIntelDb(connection: BigQueryConnection): IntelDb {
  const what = 'a threat-intel request';
  const dataset = (): ReturnType<BigQueryConnection['client']['dataset']> =>
    connection.client.dataset(connection.target.dataset);
  const db: IntelDb = {
    table: (name) => connection.table(name),
    query: async (sql, params = {}) => (await connection.query(sql, params, { what })).rows,
    transaction: (statements, params = {}) => connection.transaction(statements, params, { what }),
    insertRows: (table, rows) =>
      connection.insertRows(table, rows as readonly Record<string, unknown>[], { what }),
    createTable: async (name, fields, options) => {
      try {
        await dataset().createTable(name, {
          schema: { fields: fields.map((field) => ({ ...field })) },
          expirationTime: String(options.expiresAt),
        });
      } catch (cause) {
        throw connection.wrap(cause, what, false);
      }
    },
    dropTable: async (name) => {
      try {
        await dataset().table(name).delete({ ignoreNotFound: true });
      } catch (cause) {
        throw connection.wrap(cause, what, false);
      }
    },
    waitForRows: async (table, count) => {
      const deadline = Date.now() + VISIBLE_WITHIN_MS;
      for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 2_000)) {
        const [row] = await db.query(`SELECT COUNT(*) AS n FROM ${db.table(table)}`);
        const seen = Number(row?.n ?? 0);
        if (seen === count) return;
        if (seen > count || Date.now() + delayMs > deadline) {
          throw new Error(`${table} shows ${seen} of the ${count} rows streamed into it`);
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    },
  };
  return db;
}
