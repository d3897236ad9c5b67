/**
 * A TAXII 2.1 client for one collection: discovery → API root → collections → objects, paged with
 * `limit` and `next` (or, for servers that send no `next`, with `added_after` moved to the
 * X-TAXII-Date-Added-Last of each page). The objects go to the stix21 parser (parseStixObjects).
 */
import type { HttpGet, HttpGetResponse } from '../fetch/http-get.js';
import {
  isRecord,
  readJsonResponse,
  responseInvalid,
  type JsonResponseExpectation,
} from './read-json-response.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

export interface TaxiiOptions {
  /** The discovery endpoint (".../taxii2/"); used when apiRootUrl is not given. */
  discoveryUrl?: string;
  /** The API root; skips discovery. */
  apiRootUrl?: string;
  /** The collection by id, or else by title (case-insensitive). */
  collectionId?: string;
  collectionTitle?: string;
  /** HTTP Basic credentials. */
  username?: string;
  password?: string;
  /** Other headers, e.g. { Authorization: "Bearer …" } for token servers. */
  headers?: Record<string, string>;
  /** Only objects added after this (the last run's nextAddedAfter); null for everything. */
  addedAfter: string | null;
  /** Objects per page (the server may send fewer). */
  pageLimit: number;
  /** Stop after this many pages; the next run continues from nextAddedAfter. */
  maxPages: number;
}

export interface TaxiiResult {
  objects: unknown[];
  /** Where the next run starts: the newest X-TAXII-Date-Added-Last seen, else addedAfter. */
  nextAddedAfter: string | null;
  pages: number;
  /** The server had more than maxPages pages; run again soon. */
  more: boolean;
}

const EXPECT: JsonResponseExpectation = {
  protocol: 'TAXII 2.1',
  expected: 'a TAXII 2.1 discovery URL (…/taxii2/) or API root',
  credentials: 'check the TAXII username and password or token in the feed settings',
};

/** Fetches the collection's objects added since `addedAfter`. Throws YamoriError on any failed step. */
export async function fetchTaxiiCollection(http: HttpGet, options: TaxiiOptions): Promise<TaxiiResult> {
  const headers: Record<string, string> = { accept: TAXII_MEDIA_TYPE, ...options.headers };
  if (options.username !== undefined) {
    const pair = `${options.username}:${options.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  const getJson = async (url: string): Promise<{ body: unknown; response: HttpGetResponse }> => {
    const response = await http({ url, headers });
    return { body: readJsonResponse(response, EXPECT), response };
  };

  const apiRoot = withSlash(options.apiRootUrl ?? (await discoverApiRoot(getJson, options)));
  const { body: rootInfo } = await getJson(apiRoot);
  const versions = isRecord(rootInfo) && Array.isArray(rootInfo.versions) ? rootInfo.versions : null;
  if (
    versions !== null &&
    !versions.some((v) => typeof v === 'string' && v.replace(/\s/g, '').startsWith(TAXII_MEDIA_TYPE))
  ) {
    throw responseInvalid(apiRoot, EXPECT, `the API root offers only ${versions.map(String).join(', ')}`);
  }
  const collectionId = await findCollection(getJson, apiRoot, options);

  const objectsUrl = `${apiRoot}collections/${encodeURIComponent(collectionId)}/objects/`;
  const objects: unknown[] = [];
  let cursor = options.addedAfter;
  let nextAddedAfter = options.addedAfter;
  let next: string | null = null;
  let pages = 0;
  let more = false;
  while (pages < options.maxPages) {
    const query = new URLSearchParams({ limit: String(options.pageLimit) });
    if (cursor !== null) query.set('added_after', cursor);
    if (next !== null) query.set('next', next);
    const { body, response } = await getJson(`${objectsUrl}?${query.toString()}`);
    pages++;
    if (!isRecord(body))
      throw responseInvalid(objectsUrl, EXPECT, 'the objects answer is not an envelope object');
    if (Array.isArray(body.objects)) objects.push(...(body.objects as unknown[]));
    const addedLast = response.headers['x-taxii-date-added-last'] ?? null;
    if (addedLast !== null) nextAddedAfter = addedLast;
    more = body.more === true;
    if (!more) break;
    if (typeof body.next === 'string' && body.next !== '') {
      next = body.next;
    } else if (addedLast !== null && addedLast !== cursor) {
      cursor = addedLast;
      next = null;
    } else {
      // "more" with neither a next token nor a new date: asking again would return the same page.
      throw responseInvalid(
        objectsUrl,
        EXPECT,
        'it says there is more but gives no "next" and no X-TAXII-Date-Added-Last',
      );
    }
  }
  return { objects, nextAddedAfter, pages, more };
}

type GetJson = (url: string) => Promise<{ body: unknown; response: HttpGetResponse }>;

async function discoverApiRoot(getJson: GetJson, options: TaxiiOptions): Promise<string> {
  if (options.discoveryUrl === undefined) {
    throw responseInvalid('(none)', EXPECT, 'neither a discovery URL nor an API root URL is configured');
  }
  const { body, response } = await getJson(options.discoveryUrl);
  if (!isRecord(body)) throw responseInvalid(response.url, EXPECT, 'the discovery answer is not an object');
  const roots = Array.isArray(body.api_roots)
    ? body.api_roots.filter((r): r is string => typeof r === 'string')
    : [];
  const chosen = typeof body.default === 'string' ? body.default : roots[0];
  if (chosen === undefined)
    throw responseInvalid(response.url, EXPECT, 'the discovery answer lists no API roots');
  return new URL(chosen, response.url).toString();
}

async function findCollection(getJson: GetJson, apiRoot: string, options: TaxiiOptions): Promise<string> {
  const { body } = await getJson(`${apiRoot}collections/`);
  const collections =
    isRecord(body) && Array.isArray(body.collections) ? body.collections.filter(isRecord) : [];
  const wantedTitle = options.collectionTitle?.toLowerCase();
  const found = collections.find((c) =>
    options.collectionId !== undefined
      ? c.id === options.collectionId
      : typeof c.title === 'string' && c.title.toLowerCase() === wantedTitle,
  );
  if (found === undefined || typeof found.id !== 'string') {
    const offered = collections.map((c) => `"${String(c.title)}" (${String(c.id)})`).join(', ') || 'none';
    const wanted = options.collectionId ?? `titled "${options.collectionTitle ?? ''}"`;
    throw responseInvalid(apiRoot, EXPECT, `it has no collection ${wanted}; it offers ${offered}`);
  }
  if (found.can_read === false) {
    throw responseInvalid(apiRoot, EXPECT, `collection ${found.id} cannot be read with these credentials`);
  }
  return found.id;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
