/**
 * Test helpers for intel/ and the folders that use it: a local feed server on 127.0.0.1 that serves
 * files (from a directory or set in memory) with ETag / Last-Modified semantics, runs custom handlers,
 * and records every request. Not shipped; tests only.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface RecordedRequest {
  method: string;
  /** Path and query, as requested. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** A document the server answers with; validators are derived from the body unless given. */
export interface ServedFile {
  body: Buffer | string;
  contentType?: string;
  /** Quoted ETag; default a hash of the body; null sends none. */
  etag?: string | null;
  /** Default the time the file was set (or the file's mtime); null sends none. */
  lastModified?: Date | null;
  /** Extra response headers (e.g. Content-Encoding for a body you compressed yourself). */
  headers?: Record<string, string>;
}

/** Handles one request; the return value is ignored (a rejected promise becomes a 500). */
export type FeedHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => unknown;

export interface FeedServer {
  /** "http://127.0.0.1:PORT", no trailing slash. */
  url: string;
  urlFor(pathAndQuery: string): string;
  requests: RecordedRequest[];
  /** Requests whose path (without query) is `pathname`. */
  requestsTo(pathname: string): RecordedRequest[];
  setFile(pathname: string, file: ServedFile | Buffer | string): void;
  removeFile(pathname: string): void;
  /** Answers `pathname` (exact, query ignored) with the handler; it takes precedence over files. */
  handle(pathname: string, handler: FeedHandler): void;
  close(): Promise<void>;
}

export interface FeedServerOptions {
  /** A directory served read-only at "/". */
  root?: string;
  files?: Record<string, ServedFile | Buffer | string>;
  handlers?: Record<string, FeedHandler>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
  '.netset': 'text/plain; charset=utf-8',
  '.ipset': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
};

/** Starts a feed server on 127.0.0.1 and an ephemeral port. Close it in afterAll/afterEach. */
export async function startFeedServer(options: FeedServerOptions = {}): Promise<FeedServer> {
  const files = new Map<string, ServedFile>();
  const handlers = new Map<string, FeedHandler>(Object.entries(options.handlers ?? {}));
  const requests: RecordedRequest[] = [];
  const setFile = (pathname: string, file: ServedFile | Buffer | string): void => {
    const served = typeof file === 'string' || Buffer.isBuffer(file) ? { body: file } : file;
    files.set(pathname, { lastModified: new Date(Math.floor(Date.now() / 1000) * 1000), ...served });
  };
  for (const [pathname, file] of Object.entries(options.files ?? {})) setFile(pathname, file);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers });
    const handler = handlers.get(url.pathname);
    if (handler) {
      Promise.resolve(handler(req, res, url)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
        else res.destroy();
      });
      return;
    }
    const file = files.get(url.pathname) ?? (options.root ? readFromRoot(options.root, url.pathname) : null);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    serveConditional(req, res, file, path.extname(url.pathname));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    urlFor: (pathAndQuery) => base + (pathAndQuery.startsWith('/') ? '' : '/') + pathAndQuery,
    requests,
    requestsTo: (pathname) => requests.filter((r) => r.path.split('?')[0] === pathname),
    setFile,
    removeFile: (pathname) => files.delete(pathname),
    handle: (pathname, handler) => handlers.set(pathname, handler),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Answers with `file`, or 304 when the request's If-None-Match / If-Modified-Since show the client
 * already has it (If-None-Match wins when both are sent, as RFC 9110 says).
 */
export function serveConditional(
  req: IncomingMessage,
  res: ServerResponse,
  file: ServedFile,
  extension = '',
): void {
  const body = typeof file.body === 'string' ? Buffer.from(file.body) : file.body;
  const etag =
    file.etag === undefined ? `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` : file.etag;
  const lastModified = file.lastModified === undefined ? null : file.lastModified;
  const headers: Record<string, string> = {
    'content-type': file.contentType ?? CONTENT_TYPES[extension] ?? 'application/octet-stream',
    ...file.headers,
  };
  if (etag !== null) headers.etag = etag;
  if (lastModified !== null) headers['last-modified'] = lastModified.toUTCString();

  const ifNoneMatch = req.headers['if-none-match'];
  const ifModifiedSince = req.headers['if-modified-since'];
  let fresh = false;
  if (ifNoneMatch !== undefined) {
    fresh = etag !== null && ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
  } else if (ifModifiedSince !== undefined && lastModified !== null) {
    const since = Date.parse(ifModifiedSince);
    fresh = !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
  }
  if (fresh) {
    delete headers['content-type'];
    res.writeHead(304, headers).end();
    return;
  }
  headers['content-length'] = String(body.length);
  res.writeHead(200, headers).end(body);
}

function readFromRoot(root: string, pathname: string): ServedFile | null {
  const resolved = path.resolve(root, '.' + decodeURIComponent(pathname));
  if (!resolved.startsWith(path.resolve(root) + path.sep)) return null;
  try {
    const stat = statSync(resolved);
    if (!stat.isFile()) return null;
    return { body: readFileSync(resolved), lastModified: new Date(Math.floor(stat.mtimeMs / 1000) * 1000) };
  } catch {
    return null;
  }
}
