import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import type { BigQueryConfig } from '../../config/index.js';
import { YamoriError } from '../../errors/index.js';
import {
  columnType,
  rowFromApi,
  toApiParameters,
  type ApiField,
  type BqParamValue,
  type BqValue,
} from './bigquery-values.js';

/** `BigQueryConfig` once project and dataset are known. */
export interface BigQueryTarget {
  project: string;
  dataset: string;
  location: string;
  keyFile: string | null;
  endpoint: string | null;
}

export interface BqQueryOptions {
  /** What the query does, for the error message ("the flows read"). */
  what?: string;
  /** Stop waiting after this long: QUERY_TIMEOUT, and the job is cancelled where it can be. */
  timeoutMs?: number;
  /** Read at most this many rows; `truncated` says whether there were more. */
  maxRows?: number;
  /** Throw QUERY_INVALID (not STORE_BIGQUERY_FAILED) when BigQuery refuses the SQL itself. */
  invalidAsQueryError?: boolean;
  /** Validate and describe without running (no rows; `columns` is the result's shape). */
  dryRun?: boolean;
}

export interface BqQueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, BqValue>[];
  truncated: boolean;
  /** Rows a DML statement changed; null when BigQuery did not say (the emulator never does). */
  affectedRows: number | null;
}

interface ApiQueryResponse {
  jobComplete?: boolean;
  jobReference?: { jobId: string; location?: string };
  schema?: { fields?: ApiField[] };
  rows?: { f: { v: unknown }[] }[];
  pageToken?: string;
  numDmlAffectedRows?: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** insertAll's documented limits are 50,000 rows and 10 MB per request; stay well inside both. */
const INSERT_BATCH_ROWS = 50_000;
const INSERT_BATCH_BYTES = 8_000_000;

/**
 * The one way the BigQuery backend talks to BigQuery: named, typed parameters; results as plain rows
 * in the project's types; insertAll in batches; multi-statement transactions; every failure a
 * YamoriError carrying BigQuery's message and never a credential.
 *
 * SQL may name tables bare (`flows`): the dataset is every query's default dataset. `table(name)`
 * gives the fully qualified, backticked name where one is needed (views, other projects).
 */
export class BigQueryConnection {
  readonly client: BigQuery;
  readonly target: BigQueryTarget;
  /** Where errors say the failure happened: "project.dataset". */
  readonly description: string;

  constructor(target: BigQueryTarget) {
    this.target = target;
    this.description = `${target.project}.${target.dataset}`;
    this.client = new BigQuery(clientOptions(target));
  }

  /** Talking to an emulator (bigquery.endpoint set) rather than Google's API. */
  get isEmulator(): boolean {
    return this.target.endpoint !== null;
  }

  /** `project.dataset.name` in backticks. */
  table(name: string): string {
    return `\`${this.target.project}.${this.target.dataset}.${name}\``;
  }

  /** Runs one statement (or a script) with named parameters (`@name`). */
  async query(
    sql: string,
    params: Readonly<Record<string, BqParamValue>> = {},
    options: BqQueryOptions = {},
  ): Promise<BqQueryResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
    let jobId: string | null = null;
    const bound = inlineNullParameters(sql, params);
    const run = async (): Promise<BqQueryResult> => {
      let response = await this.request<ApiQueryResponse>({
        method: 'POST',
        uri: '/queries',
        json: {
          query: bound.sql,
          useLegacySql: false,
          parameterMode: 'NAMED',
          queryParameters: toApiParameters(bound.params),
          defaultDataset: { projectId: this.target.project, datasetId: this.target.dataset },
          location: this.target.location,
          timeoutMs: Math.min(timeoutMs, 60_000),
          maxResults: Number.isFinite(maxRows) ? Math.min(maxRows + 1, 100_000) : 100_000,
          formatOptions: { useInt64Timestamp: true },
          dryRun: options.dryRun === true,
        },
      });
      jobId = response.jobReference?.jobId ?? null;
      while (response.jobComplete === false && jobId !== null) {
        response = await this.results(jobId, undefined, deadline);
      }
      const fields = response.schema?.fields ?? [];
      const rows: Record<string, BqValue>[] = [];
      let truncated = false;
      for (;;) {
        for (const row of response.rows ?? []) {
          if (rows.length >= maxRows) {
            truncated = true;
            break;
          }
          rows.push(rowFromApi(fields, row));
        }
        if (truncated || response.pageToken === undefined || jobId === null) break;
        response = await this.results(jobId, response.pageToken, deadline);
      }
      const affected = response.numDmlAffectedRows;
      return {
        columns: fields.map((field) => ({ name: field.name, type: columnType(field) })),
        rows,
        truncated,
        affectedRows: affected === undefined ? null : Number(affected),
      };
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new YamoriError('QUERY_TIMEOUT', { limit: `${timeoutMs} ms` })),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([run(), timedOut]);
    } catch (cause) {
      if (cause instanceof YamoriError && cause.code === 'QUERY_TIMEOUT' && jobId !== null) {
        await this.cancel(jobId);
      }
      throw this.wrap(cause, options.what ?? 'a query', options.invalidAsQueryError === true);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs statements as one multi-statement transaction: all of them or none (BigQuery rolls the
   * transaction back when a statement fails). The emulator checks every statement before running any,
   * but a statement failing while it runs does not undo the ones before it there.
   */
  async transaction(
    statements: readonly string[],
    params: Readonly<Record<string, BqParamValue>> = {},
    options: BqQueryOptions = {},
  ): Promise<void> {
    if (statements.length === 0) return;
    const body = statements.map((statement) => `${statement.trim().replace(/;$/, '')};`).join('\n');
    await this.query(`BEGIN TRANSACTION;\n${body}\nCOMMIT TRANSACTION;`, params, options);
  }

  /**
   * Appends rows with insertAll (streaming), in requests of at most 50,000 rows and about 8 MB. Each
   * request stores all its rows or none; when a later request fails, earlier ones stay stored, and
   * `insertIdOf` (when given) lets BigQuery drop the repeats of a retried batch (best effort, for a
   * minute or so). Values must already be in the API's JSON form: instants as `microsToIso`, 64-bit
   * and 128-bit integers as text or bigint, JSON as text. Rows streamed in cannot be changed by
   * UPDATE, DELETE or MERGE for up to 30 minutes, so only append-only tables are written this way.
   */
  async insertRows(
    table: string,
    rows: readonly Record<string, unknown>[],
    options: { what?: string; insertIdOf?: (row: Record<string, unknown>) => string } = {},
  ): Promise<void> {
    const target = this.client.dataset(this.target.dataset).table(table);
    let batch: { insertId?: string; json: Record<string, unknown> }[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const sending = batch;
      batch = [];
      bytes = 0;
      try {
        await target.insert(sending, { raw: true, skipInvalidRows: false, ignoreUnknownValues: false });
      } catch (cause) {
        throw this.wrap(cause, options.what ?? `rows into ${table}`, false);
      }
    };
    for (const row of rows) {
      const json = jsonSafe(row);
      bytes += JSON.stringify(json).length;
      batch.push(options.insertIdOf ? { insertId: options.insertIdOf(row), json } : { json });
      if (batch.length >= INSERT_BATCH_ROWS || bytes >= INSERT_BATCH_BYTES) await flush();
    }
    await flush();
  }

  /** An error as the store throws it: BigQuery's own message, no credential, no request dump. */
  wrap(cause: unknown, what: string, invalidAsQueryError: boolean): YamoriError {
    if (cause instanceof YamoriError) return cause;
    const detail = bigQueryMessage(cause);
    if (invalidAsQueryError && isInvalidQuery(cause)) {
      return new YamoriError('QUERY_INVALID', { detail }, { cause: new Error(detail) });
    }
    // The cause is rebuilt from the message alone: the client's errors carry the request, headers included.
    return new YamoriError(
      'STORE_BIGQUERY_FAILED',
      { what, target: this.description, detail },
      { cause: new Error(detail) },
    );
  }

  private async results(
    jobId: string,
    pageToken: string | undefined,
    deadline: number,
  ): Promise<ApiQueryResponse> {
    const waitMs = Math.max(1, Math.min(deadline - Date.now(), 60_000));
    return this.request<ApiQueryResponse>({
      method: 'GET',
      uri: `/queries/${encodeURIComponent(jobId)}`,
      qs: {
        location: this.target.location,
        timeoutMs: waitMs,
        maxResults: 100_000,
        'formatOptions.useInt64Timestamp': true,
        ...(pageToken === undefined ? {} : { pageToken }),
      },
    });
  }

  private async cancel(jobId: string): Promise<void> {
    await this.request({
      method: 'POST',
      uri: `/jobs/${encodeURIComponent(jobId)}/cancel`,
      qs: { location: this.target.location },
    }).catch(() => undefined);
  }

  private request<T>(options: { method: string; uri: string; json?: unknown; qs?: unknown }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.client.request(options, (error: Error | null, body: unknown) => {
        if (error) reject(error);
        else resolve(body as T);
      });
    });
  }
}

/** Opens nothing: the client connects on first use. */
export function createBigQueryConnection(config: BigQueryConfig): BigQueryConnection {
  if (config.project === null)
    throw new YamoriError('STORE_BIGQUERY_NOT_CONFIGURED', { key: 'bigquery.project' });
  if (config.dataset === null)
    throw new YamoriError('STORE_BIGQUERY_NOT_CONFIGURED', { key: 'bigquery.dataset' });
  return new BigQueryConnection({ ...config, project: config.project, dataset: config.dataset });
}

function clientOptions(target: BigQueryTarget): BigQueryOptions {
  const options: BigQueryOptions = { projectId: target.project, location: target.location };
  if (target.endpoint !== null) {
    // An emulator takes any token. A fixed one means the auth library never looks for credentials,
    // so it never probes the GCE metadata server (169.254.169.254) or any other Google host.
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'yamori-emulator' });
    options.apiEndpoint = target.endpoint.replace(/\/+$/, '');
    options.authClient = auth;
  } else if (target.keyFile !== null) {
    options.keyFilename = target.keyFile;
  }
  return options;
}

/**
 * Replaces each null parameter by a typed NULL literal in the SQL. The emulator cannot bind a null
 * (it stores "" for a STRING and refuses a TIMESTAMP), and the literal means the same on BigQuery.
 */
export function inlineNullParameters(
  sql: string,
  params: Readonly<Record<string, BqParamValue>>,
): { sql: string; params: Record<string, BqParamValue> } {
  const kept: Record<string, BqParamValue> = {};
  let text = sql;
  for (const [name, given] of Object.entries(params)) {
    if (typeof given === 'object' && given.type !== 'ARRAY' && given.value === null) {
      text = text.replace(new RegExp(`(?<![@\\w])@${name}(?!\\w)`, 'g'), `CAST(NULL AS ${given.type})`);
    } else {
      kept[name] = given;
    }
  }
  return { sql: text, params: kept };
}

/** BigQuery's message for the failure, whatever shape the client gave it. */
export function bigQueryMessage(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const errors = (cause as { errors?: { message?: string }[] }).errors;
  const inner = Array.isArray(errors)
    ? errors.map((e) => e.message).filter((m) => typeof m === 'string')
    : [];
  const message = inner.length > 0 ? [...new Set(inner)].join('; ') : cause.message;
  return redact(message);
}

function isInvalidQuery(cause: unknown): boolean {
  const { code, errors } = cause as { code?: unknown; errors?: { reason?: string }[] };
  if (code !== 400) return false;
  // The emulator reports every refused query as jobInternalError, with status 400.
  return (errors ?? []).every((e) =>
    ['invalidQuery', 'invalid', 'jobInternalError'].includes(e.reason ?? ''),
  );
}

/** Removes anything shaped like a credential: bearer tokens, private keys, OAuth refresh tokens. */
function redact(text: string): string {
  return text
    .replace(/Bearer\s+[\w.~+/-]+=*/gi, 'Bearer [redacted]')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted key]')
    .replace(
      /("?(?:private_key|refresh_token|access_token|client_secret)"?\s*[:=]\s*)"[^"]*"/gi,
      '$1"[redacted]"',
    );
}

function jsonSafe(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}
