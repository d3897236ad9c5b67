/**
 * A MISP feed (the static export MISP instances publish and subscribe to): manifest.json maps event
 * UUIDs to their timestamps, and each <uuid>.json holds one event. Only events whose manifest
 * timestamp changed since the last run are downloaded, so a run returns the changed events in full,
 * names the unchanged and removed ones, and the caller replaces indicators event by event.
 */
import { YamoriError } from '../../errors/index.js';
import type { IndicatorDraft } from '../../records/index.js';
import { indicatorKey } from '../../records/index.js';
import type { HttpGet } from '../fetch/http-get.js';
import { normaliseCidr, normaliseValue, type NormalisedValue } from '../normalise-indicator.js';
import { parseFeedTime } from '../parsers/feed-time.js';
import { readDefaults, type ParserDefaults } from '../parsers/parser-options.js';
import type { ParseContext, ParseIssue } from '../parsers/parser.js';
import { MAX_ISSUES } from '../parsers/result-builder.js';
import {
  isRecord,
  readJsonResponse,
  responseInvalid,
  type JsonResponseExpectation,
} from './read-json-response.js';

export interface MispFeedOptions {
  /** The feed's folder URL; manifest.json and <uuid>.json are resolved against it. */
  url: string;
  headers?: Record<string, string>;
  /** Event UUID → manifest timestamp (Unix seconds) from the last run; {} the first time. */
  seen: Readonly<Record<string, number>>;
  /** Validators of the last manifest download, so an unchanged manifest costs one 304. */
  manifestEtag?: string | null;
  manifestLastModified?: string | null;
  /** Also take attributes with to_ids false (file names, MIME types…); default false, as MISP intends. */
  includeNonIds?: boolean;
  /** Download at most this many changed events (oldest change first); the rest wait for the next run. */
  maxEvents?: number;
  /** Feed name, location and options (threat, confidence, malware_family, tags defaults). */
  context: ParseContext;
}

export interface MispEvent {
  uuid: string;
  timestamp: number;
  info: string;
  indicators: IndicatorDraft[];
}

export interface MispFeedResult {
  /** New or changed events, each with all its indicators: replace what the event had before. */
  changed: MispEvent[];
  /** Events whose indicators from earlier runs still hold. */
  unchanged: string[];
  /** Events the manifest no longer lists: their indicators left the feed. */
  removed: string[];
  /** Changed events left for the next run by maxEvents. */
  deferred: string[];
  /** Events that could not be downloaded or read; their earlier indicators stay, and they are retried. */
  failed: { uuid: string; error: YamoriError }[];
  /** The state for the next run. */
  seen: Record<string, number>;
  manifestEtag: string | null;
  manifestLastModified: string | null;
  skipped: number;
  issues: ParseIssue[];
}

const EXPECT: JsonResponseExpectation = {
  protocol: 'MISP feed',
  expected: 'the folder that holds manifest.json, ending in "/"',
  credentials: 'check the header and key configured for this feed',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Downloads what changed in a MISP feed. Throws only when the manifest itself cannot be read. */
export async function fetchMispFeed(http: HttpGet, options: MispFeedOptions): Promise<MispFeedResult> {
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;
  const defaults = readDefaults(options.context, 'misp-feed', {});
  const response = await http({
    url: new URL('manifest.json', base).toString(),
    headers: options.headers,
    etag: options.manifestEtag ?? null,
    lastModified: options.manifestLastModified ?? null,
  });
  const result: MispFeedResult = {
    changed: [],
    unchanged: [],
    removed: [],
    deferred: [],
    failed: [],
    seen: {},
    manifestEtag: response.etag,
    manifestLastModified: response.lastModified,
    skipped: 0,
    issues: [],
  };
  if (response.notModified) {
    result.unchanged = Object.keys(options.seen);
    result.seen = { ...options.seen };
    return result;
  }
  const manifest = readJsonResponse(response, EXPECT);
  if (!isRecord(manifest))
    throw responseInvalid(response.url, EXPECT, 'manifest.json is not an object of events');

  const changed: { uuid: string; timestamp: number }[] = [];
  for (const [uuid, entry] of Object.entries(manifest)) {
    const timestamp = isRecord(entry) ? Number(entry.timestamp) : NaN;
    if (!UUID.test(uuid) || !Number.isFinite(timestamp)) {
      note(result, `manifest entry "${uuid.slice(0, 40)}" has no event UUID and timestamp`);
      result.skipped++;
      continue;
    }
    if (options.seen[uuid] === timestamp) {
      result.unchanged.push(uuid);
      result.seen[uuid] = timestamp;
    } else {
      changed.push({ uuid, timestamp });
    }
  }
  result.removed = Object.keys(options.seen).filter((uuid) => !Object.hasOwn(manifest, uuid));
  changed.sort((a, b) => a.timestamp - b.timestamp);

  const limit = options.maxEvents ?? Infinity;
  for (const [index, { uuid, timestamp }] of changed.entries()) {
    const previous = options.seen[uuid];
    if (index >= limit) {
      result.deferred.push(uuid);
      if (previous !== undefined) result.seen[uuid] = previous;
      continue;
    }
    try {
      const eventResponse = await http({
        url: new URL(`${uuid}.json`, base).toString(),
        headers: options.headers,
      });
      const event = readEvent(readJsonResponse(eventResponse, EXPECT), eventResponse.url, uuid);
      const indicators = eventIndicators(event, uuid, options.includeNonIds === true, defaults, result);
      result.changed.push({
        uuid,
        timestamp,
        info: typeof event.info === 'string' ? event.info : '',
        indicators,
      });
      result.seen[uuid] = timestamp;
    } catch (error) {
      if (!(error instanceof YamoriError)) throw error;
      // One broken event never blocks the others; the old timestamp makes it count as changed next run.
      result.failed.push({ uuid, error });
      if (previous !== undefined) result.seen[uuid] = previous;
    }
  }
  return result;
}

function readEvent(body: unknown, url: string, uuid: string): Record<string, unknown> {
  const event = isRecord(body) ? body.Event : undefined;
  if (!isRecord(event)) throw responseInvalid(url, EXPECT, `event ${uuid} has no "Event" object`);
  return event;
}

type Reader = (value: string) => { value: NormalisedValue | null; port: number | null }[];

const one =
  (read: (text: string) => NormalisedValue | null): Reader =>
  (value) => [{ value: read(value), port: null }];
const typed = (type: Parameters<typeof normaliseValue>[0]) => (text: string) => normaliseValue(type, text);
const address = (text: string): NormalisedValue | null => normaliseCidr(text.trim());
const withPort =
  (read: (text: string) => NormalisedValue | null): Reader =>
  (value) => {
    const [host = '', portText = ''] = value.split('|');
    const port = /^\d{1,5}$/.test(portText) && Number(portText) <= 65535 ? Number(portText) : null;
    return [{ value: port === null ? null : read(host), port }];
  };
const afterBar =
  (read: (text: string) => NormalisedValue | null): Reader =>
  (value) => [{ value: read(value.slice(value.lastIndexOf('|') + 1)), port: null }];

/** MISP attribute types Yamori can match, and how to read their values. */
const READERS: Readonly<Record<string, Reader>> = {
  'ip-dst': one(address),
  'ip-src': one(address),
  'ip-dst|port': withPort(address),
  'ip-src|port': withPort(address),
  domain: one(typed('domain')),
  hostname: one(typed('domain')),
  'hostname|port': withPort(typed('domain')),
  'domain|ip': (value) => {
    const [domain = '', ip = ''] = value.split('|');
    return [
      { value: normaliseValue('domain', domain), port: null },
      { value: address(ip), port: null },
    ];
  },
  url: one(typed('url')),
  md5: one(typed('md5')),
  sha1: one(typed('sha1')),
  sha256: one(typed('sha256')),
  'filename|md5': afterBar(typed('md5')),
  'filename|sha1': afterBar(typed('sha1')),
  'filename|sha256': afterBar(typed('sha256')),
  'ja3-fingerprint-md5': one(typed('ja3')),
  'x509-fingerprint-sha1': one(typed('cert_sha1')),
  'email-src': one(typed('email')),
  'email-dst': one(typed('email')),
  email: one(typed('email')),
  AS: one(typed('asn')),
};

// Galaxy tags that name a malware family: misp-galaxy:malpedia="Emotet", misp-galaxy:mitre-malware="…".
const FAMILY_TAG =
  /^misp-galaxy:(?:malpedia|mitre-malware|ransomware|banker|botnet|rat|android|backdoor|stealer)="(.+?)(?: - [A-Z]\d+)?"$/;

function eventIndicators(
  event: Record<string, unknown>,
  uuid: string,
  includeNonIds: boolean,
  defaults: ParserDefaults,
  result: MispFeedResult,
): IndicatorDraft[] {
  const eventTags = tagNames(event.Tag);
  const eventDate = typeof event.date === 'string' ? parseFeedTime(event.date) : null;
  const attributes: { attribute: Record<string, unknown>; object: string | null }[] = [];
  for (const attribute of records(event.Attribute)) attributes.push({ attribute, object: null });
  for (const object of records(event.Object)) {
    const name = typeof object.name === 'string' ? object.name : null;
    for (const attribute of records(object.Attribute)) attributes.push({ attribute, object: name });
  }
  const reference =
    attributes.map(({ attribute }) => attribute).find((a) => a.type === 'link' && typeof a.value === 'string')
      ?.value ?? null;
  const unsupported = new Map<string, number>();
  const keys = new Set<string>();
  const drafts: IndicatorDraft[] = [];

  for (const { attribute, object } of attributes) {
    if (attribute.deleted === true || (!includeNonIds && attribute.to_ids !== true)) continue;
    const type = typeof attribute.type === 'string' ? attribute.type : '';
    const read = READERS[type];
    if (read === undefined || typeof attribute.value !== 'string') {
      if (type !== 'link') unsupported.set(type, (unsupported.get(type) ?? 0) + 1);
      continue;
    }
    const tags = [...new Set([...defaults.tags, ...eventTags, ...tagNames(attribute.Tag)])];
    const family =
      tags.map((t) => FAMILY_TAG.exec(t)?.[1]).find((f) => f !== undefined) ?? defaults.malwareFamily;
    for (const { value, port } of read(attribute.value)) {
      if (value === null) {
        result.skipped++;
        note(result, `event ${uuid}: ${type} attribute ${excerpt(attribute.value)} is not a valid value`);
        continue;
      }
      const draft: IndicatorDraft = {
        type: value.type,
        value: value.value,
        port,
        threat: defaults.threat,
        malwareFamily: family,
        confidence: defaults.confidence,
        tags,
        reference: typeof reference === 'string' ? reference : null,
        sourceFirstSeenAt: time(attribute.first_seen) ?? eventDate,
        sourceLastSeenAt: time(attribute.last_seen) ?? unixSeconds(attribute.timestamp),
        validFrom: null,
        validUntil: null,
        revoked: false,
        raw: { event: { uuid, info: event.info, date: event.date }, object, attribute },
      };
      const key = indicatorKey(draft);
      if (keys.has(key)) continue;
      keys.add(key);
      drafts.push(draft);
    }
  }
  for (const [type, count] of unsupported) {
    result.skipped += count;
    note(
      result,
      `event ${uuid}: ${count} attribute${count === 1 ? '' : 's'} of type "${type}" left out (not matchable)`,
    );
  }
  return drafts;
}

function note(result: MispFeedResult, message: string): void {
  if (result.issues.length < MAX_ISSUES) result.issues.push({ line: null, message });
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function tagNames(value: unknown): string[] {
  return records(value)
    .map((tag) => tag.name)
    .filter((name): name is string => typeof name === 'string');
}

function time(value: unknown): number | null {
  return typeof value === 'string' && value !== '' ? parseFeedTime(value) : null;
}

/** MISP writes Unix seconds as strings ("1599627030"). */
function unixSeconds(value: unknown): number | null {
  const seconds = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1_000_000 : null;
}
