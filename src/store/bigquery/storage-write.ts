import type { managedwriter, protos } from '@google-cloud/bigquery-storage';
import { OAuth2Client } from 'google-auth-library';
import { YamoriError } from '../../errors/index.js';
import { bigQueryMessage } from './connection.js';
import type { TableSpec } from './schema.js';

/** Where the Storage Write API is, and who writes. */
export interface StorageWriteTarget {
  project: string;
  dataset: string;
  keyFile: string | null;
  /** host:port of an emulator (plain-text gRPC, no credentials); null for Google's endpoint. */
  storageEndpoint: string | null;
  /**
   * Send TIMESTAMP values as "seconds.micros" text rather than INT64 microseconds: the emulator
   * (v0.6.6) reads an INT64's sub-second part as milliseconds (12:00:00.000001 becomes 12:00:00.001),
   * and parses that text exactly. BigQuery takes INT64 microseconds, its preferred form.
   */
  timestampsAsText?: boolean;
  /**
   * Cap on each append request's rows, in bytes (an upper bound of their encoding); default
   * MAX_REQUEST_ROW_BYTES. The emulator's gRPC server takes messages of at most 4 MB.
   */
  maxRequestBytes?: number;
}

/** A row's values: instants as epoch microseconds, 64-bit integers as numbers, null for NULL. */
export type StorageWriteRow = Record<string, string | number | boolean | null>;

/** AppendRows takes requests of up to 10 MB; the rows of one stay under this, the rest is headroom. */
export const MAX_REQUEST_ROW_BYTES = 9_000_000;
/** The emulator (v0.6.6) keeps gRPC's default limit of 4 MB per message. */
export const EMULATOR_MAX_REQUEST_ROW_BYTES = 3_500_000;

/**
 * The client library and its gRPC, loaded on the first write: loading them takes a second or two,
 * which a verb that only reads (or a store on insert_all) should not pay.
 */
interface Library {
  storage: typeof import('@google-cloud/bigquery-storage');
  grpc: typeof import('google-gax').grpc;
}
type WriteClientOptions = ConstructorParameters<typeof managedwriter.WriterClient>[0];
type AppendResponse = protos.google.cloud.bigquery.storage.v1.IAppendRowsResponse;
type StreamConnection = Awaited<ReturnType<managedwriter.WriterClient['createStreamConnection']>>;

/**
 * Writes rows with the BigQuery Storage Write API: each batch goes to a PENDING stream of its own,
 * appended in requests under the API's 10 MB limit, then finalized and committed with
 * BatchCommitWriteStreams. Until the commit nothing of the batch is visible, so a batch is stored
 * whole or not at all; a stream never committed is dropped by BigQuery.
 *
 * The gRPC client is made on the first write and kept; `close()` ends it.
 */
export class StorageWriter {
  readonly target: StorageWriteTarget;
  /** Where errors say the failure happened: "project.dataset". */
  readonly description: string;
  private opened: Promise<{ library: Library; client: managedwriter.WriterClient }> | null = null;
  private readonly descriptors = new Map<string, protos.google.protobuf.IDescriptorProto>();

  constructor(target: StorageWriteTarget) {
    this.target = target;
    this.description = `${target.project}.${target.dataset}`;
  }

  /**
   * Stores `rows` in `table` as one committed stream. `maxRequestBytes` caps each append request
   * (an upper bound of the encoded rows; tests lower it to make a batch span several requests).
   * Throws STORE_BIGQUERY_WRITE_API_REFUSED when BigQuery refuses the API itself (not enabled on the
   * project, no permission), else STORE_BIGQUERY_FAILED; either way nothing of the batch is stored.
   */
  async write(
    table: TableSpec,
    rows: readonly StorageWriteRow[],
    options: { what?: string; maxRequestBytes?: number } = {},
  ): Promise<void> {
    if (rows.length === 0) return;
    const what = options.what ?? `rows into ${table.name}`;
    const parent = `projects/${this.target.project}/datasets/${this.target.dataset}/tables/${table.name}`;
    let connection: StreamConnection | null = null;
    let writer: managedwriter.JSONWriter | null = null;
    try {
      const { library, client } = await this.open();
      const { managedwriter } = library.storage;
      const streamId = await client.createWriteStream({
        streamType: managedwriter.PendingStream,
        destinationTable: parent,
      });
      connection = await client.createStreamConnection({ streamId });
      // The connection reports errors through its pending writes; an unheard 'error' event would throw.
      connection.on('error', () => undefined);
      writer = new managedwriter.JSONWriter({ connection, protoDescriptor: this.descriptor(library, table) });
      const pending: Promise<AppendResponse>[] = [];
      let offset = 0;
      const sent =
        this.target.timestampsAsText === true ? rows.map((row) => timestampsAsText(table, row)) : rows;
      for (const chunk of requestChunks(
        sent,
        options.maxRequestBytes ?? this.target.maxRequestBytes ?? MAX_REQUEST_ROW_BYTES,
      )) {
        pending.push(writer.appendRows(chunk, offset).getResult());
        offset += chunk.length;
      }
      for (const response of await Promise.all(pending)) checkAppend(response);
      const finalized = await connection.finalize();
      const count = Number(finalized?.rowCount ?? -1);
      if (count !== rows.length) {
        throw new Error(`the stream held ${count} rows of the ${rows.length} appended`);
      }
      const committed = await client.batchCommitWriteStream({ parent, writeStreams: [streamId] });
      const errors = committed.streamErrors ?? [];
      if (errors.length > 0 || committed.commitTime == null) {
        throw new Error(
          `the commit failed: ${errors.map((e) => e.errorMessage ?? String(e.code)).join('; ') || 'no commit time'}`,
        );
      }
    } catch (cause) {
      throw this.wrap(cause, what);
    } finally {
      writer?.close();
      connection?.close();
    }
  }

  /** Ends the gRPC client; a later write makes a new one. */
  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    if (opened === null) return;
    const started = await opened.catch(() => null);
    if (started === null) return;
    started.client.close();
    await started.client.getClient().close();
  }

  private open(): Promise<{ library: Library; client: managedwriter.WriterClient }> {
    this.opened ??= (async () => {
      const [storage, gax] = await Promise.all([
        import('@google-cloud/bigquery-storage'),
        import('google-gax'),
      ]);
      const library = { storage, grpc: gax.grpc };
      return {
        library,
        client: new storage.managedwriter.WriterClient(writeClientOptions(library, this.target)),
      };
    })();
    // A failed start (a bad storage_endpoint) is tried afresh by the next write.
    this.opened.catch(() => {
      this.opened = null;
    });
    return this.opened;
  }

  /** The table's proto2 descriptor, from the schema Yamori made the table with (schema.ts). */
  private descriptor(library: Library, table: TableSpec): protos.google.protobuf.IDescriptorProto {
    const { adapt, protos } = library.storage;
    let found = this.descriptors.get(table.name);
    if (found === undefined) {
      const storageSchema = adapt.convertBigQuerySchemaToStorageTableSchema({
        fields: table.columns.map((column) => ({ name: column.name, type: column.type, mode: column.mode })),
      });
      const descriptor = adapt.convertStorageSchemaToProto2Descriptor(storageSchema, 'root');
      if (this.target.timestampsAsText === true) {
        const timestamps = new Set(table.columns.filter((c) => c.type === 'TIMESTAMP').map((c) => c.name));
        for (const field of descriptor.field) {
          if (timestamps.has(field.name ?? ''))
            field.type = protos.google.protobuf.FieldDescriptorProto.Type.TYPE_STRING;
        }
      }
      found = descriptor;
      this.descriptors.set(table.name, found);
    }
    return found;
  }

  private wrap(cause: unknown, what: string): YamoriError {
    if (cause instanceof YamoriError) return cause;
    const detail = bigQueryMessage(cause);
    const plain = new Error(detail);
    if (isApiRefused(cause)) {
      return new YamoriError(
        'STORE_BIGQUERY_WRITE_API_REFUSED',
        { what, target: this.description, detail },
        { cause: plain },
      );
    }
    return new YamoriError(
      'STORE_BIGQUERY_FAILED',
      { what, target: this.description, detail },
      { cause: plain },
    );
  }
}

function writeClientOptions(library: Library, target: StorageWriteTarget): WriteClientOptions {
  // A store's channel is its own (not grpc-js's process-wide pool), so closing the store closes it.
  const options: WriteClientOptions = { projectId: target.project, 'grpc.use_local_subchannel_pool': 1 };
  if (target.storageEndpoint !== null) {
    const { host, port } = hostAndPort(target.storageEndpoint);
    // An emulator speaks plain-text gRPC and takes no credentials. With channel credentials given, the
    // client attaches no token; the fixed auth client means the auth library never looks for
    // credentials either, so nothing probes the GCE metadata server (169.254.169.254) or a Google host.
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'yamori-emulator' });
    Object.assign(options, {
      apiEndpoint: host,
      port,
      sslCreds: library.grpc.credentials.createInsecure(),
      authClient: auth,
    });
  } else if (target.keyFile !== null) {
    options.keyFilename = target.keyFile;
  }
  return options;
}

function hostAndPort(endpoint: string): { host: string; port: number } {
  const match = /^(?:[a-z]+:\/\/)?(\[[^\]]+\]|[^:/]+):(\d+)\/?$/i.exec(endpoint.trim());
  if (match === null) {
    throw new YamoriError('STORE_BIGQUERY_FAILED', {
      what: 'the connection to the Storage Write API',
      target: 'bigquery.storage_endpoint',
      detail: `"${endpoint}" is not host:port (for example 127.0.0.1:9060)`,
    });
  }
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

/**
 * Splits rows into requests whose encoded size stays under `maxBytes`. The size is an upper bound of
 * the protocol-buffer encoding (a two-byte tag per field, ten bytes per integer, a five-byte length
 * before each text and each row), so no request can pass the limit; a single larger row goes alone.
 */
export function* requestChunks<T extends StorageWriteRow>(
  rows: readonly T[],
  maxBytes: number,
): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = encodedSizeBound(row);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

export function encodedSizeBound(row: StorageWriteRow): number {
  let bytes = 6;
  for (const value of Object.values(row)) {
    if (value === null) continue;
    if (typeof value === 'string') bytes += 7 + Buffer.byteLength(value, 'utf8');
    else if (typeof value === 'number') bytes += 12;
    else bytes += 3;
  }
  return bytes;
}

function timestampsAsText(table: TableSpec, row: StorageWriteRow): StorageWriteRow {
  const out: StorageWriteRow = { ...row };
  for (const column of table.columns) {
    const micros = row[column.name];
    if (column.type !== 'TIMESTAMP' || typeof micros !== 'number') continue;
    const seconds = Math.floor(micros / 1_000_000);
    out[column.name] = `${seconds}.${String(micros - seconds * 1_000_000).padStart(6, '0')}`;
  }
  return out;
}

function checkAppend(response: AppendResponse): void {
  const rowErrors = response.rowErrors ?? [];
  if (rowErrors.length > 0) {
    const shown = rowErrors
      .slice(0, 3)
      .map((e) => `row ${String(e.index)}: ${e.message ?? 'refused'}`)
      .join('; ');
    throw new Error(`BigQuery refused ${rowErrors.length} rows (${shown})`);
  }
  if (response.error != null) {
    const error = new Error(response.error.message ?? 'the append failed') as Error & { code?: number };
    if (typeof response.error.code === 'number') error.code = response.error.code;
    throw error;
  }
}

/**
 * PERMISSION_DENIED (the API not enabled on the project, or no right to use it) and UNIMPLEMENTED
 * (an endpoint without the API): the Storage Write API itself is refused, not the rows.
 */
function isApiRefused(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  // gRPC status codes: 7 PERMISSION_DENIED, 12 UNIMPLEMENTED.
  return code === 7 || code === 12;
}
