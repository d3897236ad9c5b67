/** One conditional GET, as the feed fetcher and multi-request sources (TAXII, MISP, OTX) use it. */
export interface HttpGetRequest {
  url: string;
  headers?: Record<string, string>;
  /** Validators from the previous good fetch, for If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
  /** Abort after this long without completing (default from config). */
  timeoutMs?: number;
  /** Refuse bodies larger than this after decompression (default from config). */
  maxBytes?: number;
}

export interface HttpGetResponse {
  status: number;
  /** True for 304 Not Modified: `body` is empty. */
  notModified: boolean;
  headers: Record<string, string>;
  /** The body, decompressed (Content-Encoding gzip/deflate/br, and .gz files). */
  body: Buffer;
  etag: string | null;
  lastModified: string | null;
  /** Bytes received on the wire. */
  wireBytes: number;
  /** The final URL after redirects. */
  url: string;
}

/**
 * Performs a GET with timeouts, bounded retries with backoff on network errors and 5xx/429, and the
 * size limit. Resolves with any final HTTP status (the caller decides what 401/404 mean); rejects with
 * YamoriError FEED_FETCH_FAILED / FEED_TOO_LARGE / FEED_TIMEOUT naming the URL (secrets redacted).
 */
export type HttpGet = (request: HttpGetRequest) => Promise<HttpGetResponse>;
