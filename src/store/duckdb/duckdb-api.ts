import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

/*
 * @duckdb/node-api, loaded with require() and handed on to the store's modules: the package is
 * CommonJS, and an ESM import of it makes Node scan the source of every one of its hundred-odd files
 * for export names (cjs-module-lexer) before any of it runs, which cost three times the require
 * itself (about 0.3 of 0.5 CPU s on a loaded machine) and was a third of what a short verb such as
 * `yamori feeds list` spends. The module is the same object either way (Node's CommonJS cache), so
 * values from here and from an ESM import of the package (tests do that) are interchangeable.
 *
 * Store modules import the package's values from here; types may come from either.
 */
export type * from '@duckdb/node-api';

const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;

export const {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  INTEGER,
  LIST,
  STRUCT,
  TIMESTAMPTZ,
  UHUGEINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  listValue,
  structValue,
} = api;

export const DuckDBArrayValue = api.DuckDBArrayValue;
export type DuckDBArrayValue = DuckDB.DuckDBArrayValue;
export const DuckDBDataChunk = api.DuckDBDataChunk;
export type DuckDBDataChunk = DuckDB.DuckDBDataChunk;
export const DuckDBDecimalValue = api.DuckDBDecimalValue;
export type DuckDBDecimalValue = DuckDB.DuckDBDecimalValue;
export const DuckDBInstance = api.DuckDBInstance;
export type DuckDBInstance = DuckDB.DuckDBInstance;
export const DuckDBListValue = api.DuckDBListValue;
export type DuckDBListValue = DuckDB.DuckDBListValue;
export const DuckDBMapValue = api.DuckDBMapValue;
export type DuckDBMapValue = DuckDB.DuckDBMapValue;
export const DuckDBStructValue = api.DuckDBStructValue;
export type DuckDBStructValue = DuckDB.DuckDBStructValue;
export const DuckDBTimestampMillisecondsValue = api.DuckDBTimestampMillisecondsValue;
export type DuckDBTimestampMillisecondsValue = DuckDB.DuckDBTimestampMillisecondsValue;
export const DuckDBTimestampNanosecondsValue = api.DuckDBTimestampNanosecondsValue;
export type DuckDBTimestampNanosecondsValue = DuckDB.DuckDBTimestampNanosecondsValue;
export const DuckDBTimestampSecondsValue = api.DuckDBTimestampSecondsValue;
export type DuckDBTimestampSecondsValue = DuckDB.DuckDBTimestampSecondsValue;
export const DuckDBTimestampTZValue = api.DuckDBTimestampTZValue;
export type DuckDBTimestampTZValue = DuckDB.DuckDBTimestampTZValue;
export const DuckDBTimestampValue = api.DuckDBTimestampValue;
export type DuckDBTimestampValue = DuckDB.DuckDBTimestampValue;
export const DuckDBUnionValue = api.DuckDBUnionValue;
export type DuckDBUnionValue = DuckDB.DuckDBUnionValue;
export const StatementType = api.StatementType;
export type StatementType = DuckDB.StatementType;
