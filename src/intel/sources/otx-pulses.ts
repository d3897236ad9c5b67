/**
 * AlienVault OTX subscribed pulses: GET /api/v1/pulses/subscribed?modified_since=…&limit=…&page=N with
 * the X-OTX-API-KEY header, following `next` until it is null. A run returns only pulses modified
 * since the last complete run, each with all its indicators, so the caller replaces indicators pulse
 * by pulse. It is resumable: a run cut short (an error, or maxPages) returns what it completed and a
 * state that makes the next run continue at the page it stopped on, with the same modified_since;
 * the cursor moves to the newest `modified` seen only once every page has been read.
 */
import { YamoriError } from '../../errors/index.js';
import { indicatorKey, type IndicatorDraft, type IndicatorType } from '../../records/index.js';
import type { HttpGet } from '../fetch/http-get.js';
import { normaliseValue } from '../normalise-indicator.js';
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

export interface OtxState {
  /** modified_since for this pass: the newest pulse `modified` of the last complete pass. */
  modifiedSince: string | null;
  /** The page to continue at when the last run stopped early; null when it completed. */
  resumePage: number | null;
  /** The newest `modified` seen so far in an unfinished pass. */
  pendingNewest: string | null;
}

export interface OtxOptions {
  /** The subscribed-pulses endpoint, e.g. https://otx.alienvault.com/api/v1/pulses/subscribed. */
  url: string;
  apiKey: string;
  /** The state the last run returned; null the first time. */
  state: OtxState | null;
  /** Pulses per page. */
  limit: number;
  maxPages: number;
  /** Feed name, location and options (threat, confidence, malware_family, tags defaults). */
  context: ParseContext;
}

export interface OtxPulse {
  id: string;
  name: string;
  modified: string | null;
  indicators: IndicatorDraft[];
}

export interface OtxResult {
  /** Pulses read in this run, each with all its indicators. */
  pulses: OtxPulse[];
  /** Save this for the next run. */
  state: OtxState;
  /** Every page was read. */
  complete: boolean;
  /** What stopped the run early, if anything; the pulses before it are complete and usable. */
  error: YamoriError | null;
  skipped: number;
  issues: ParseIssue[];
}

const EXPECT: JsonResponseExpectation = {
  protocol: 'OTX API',
  expected: 'https://otx.alienvault.com/api/v1/pulses/subscribed',
  credentials: 'check intel.otx_api_key (or OTX_API_KEY); the key is on your OTX settings page',
};

const TYPES: Readonly<Record<string, IndicatorType>> = {
  IPv4: 'ipv4',
  IPv6: 'ipv6',
  CIDR: 'cidr',
  domain: 'domain',
  hostname: 'domain',
  URL: 'url',
  'FileHash-MD5': 'md5',
  'FileHash-SHA1': 'sha1',
  'FileHash-SHA256': 'sha256',
  email: 'email',
};

/** OTX indicator roles → Yamori threat. */
const THREAT_BY_ROLE: Readonly<Record<string, string>> = {
  command_and_control: 'botnet_cc',
  malware_hosting: 'malware_download',
  phishing: 'phishing',
  scanning_host: 'scanner',
  bruteforce: 'attacker',
  web_attack: 'attacker',
  memory_scraping: 'malicious',
};

/** Reads subscribed pulses from where `state` left off. Never throws for HTTP or data errors: see `error`. */
export async function fetchOtxPulses(http: HttpGet, options: OtxOptions): Promise<OtxResult> {
  const defaults = readDefaults(options.context, 'otx', {});
  const modifiedSince = options.state?.modifiedSince ?? null;
  let newest = options.state?.pendingNewest ?? null;
  let page = options.state?.resumePage ?? 1;
  const origin = new URL(options.url).origin;
  const pulses: OtxPulse[] = [];
  const counts = { skipped: 0, issues: [] as ParseIssue[], unsupported: new Map<string, number>() };
  const finish = (complete: boolean, error: YamoriError | null): OtxResult => {
    for (const [type, count] of counts.unsupported) {
      note(
        counts.issues,
        `${count} indicator${count === 1 ? '' : 's'} of type "${type}" left out (not matchable)`,
      );
    }
    const state: OtxState = complete
      ? { modifiedSince: newest ?? modifiedSince, resumePage: null, pendingNewest: null }
      : { modifiedSince, resumePage: page, pendingNewest: newest };
    return { pulses, state, complete, error, skipped: counts.skipped, issues: counts.issues };
  };

  const first = new URL(options.url);
  first.searchParams.set('limit', String(options.limit));
  first.searchParams.set('page', String(page));
  if (modifiedSince !== null) first.searchParams.set('modified_since', modifiedSince);
  let url = first.toString();

  for (let read = 0; read < options.maxPages; read++) {
    let body: Record<string, unknown>;
    try {
      const response = await http({
        url,
        headers: { 'X-OTX-API-KEY': options.apiKey, accept: 'application/json' },
      });
      const json = readJsonResponse(response, EXPECT);
      if (!isRecord(json) || !Array.isArray(json.results)) {
        throw responseInvalid(response.url, EXPECT, 'the answer has no "results" list of pulses');
      }
      body = json;
    } catch (error) {
      if (error instanceof YamoriError) return finish(false, error);
      throw error;
    }
    for (const pulse of (body.results as unknown[]).filter(isRecord)) {
      const mapped = pulseIndicators(pulse, defaults, origin, counts);
      pulses.push(mapped);
      if (mapped.modified !== null && isNewer(mapped.modified, newest)) newest = mapped.modified;
    }
    const next = typeof body.next === 'string' && body.next !== '' ? body.next : null;
    if (next === null) return finish(true, null);
    const nextUrl = new URL(next, url);
    // The key goes only to the origin it was configured for, whatever `next` says.
    if (nextUrl.origin !== origin) {
      return finish(false, responseInvalid(url, EXPECT, `its "next" link leaves ${origin}`));
    }
    const nextPage = Number(nextUrl.searchParams.get('page'));
    page = Number.isInteger(nextPage) && nextPage > 0 ? nextPage : page + 1;
    url = nextUrl.toString();
  }
  return finish(false, null);
}

function pulseIndicators(
  pulse: Record<string, unknown>,
  defaults: ParserDefaults,
  origin: string,
  counts: { skipped: number; issues: ParseIssue[]; unsupported: Map<string, number> },
): OtxPulse {
  const id = text(pulse.id) ?? '';
  const name = text(pulse.name) ?? '';
  const modified = text(pulse.modified);
  const tags = [...new Set([...defaults.tags, ...strings(pulse.tags)])];
  const family = familyOf(pulse.malware_families) ?? defaults.malwareFamily;
  const reference =
    strings(pulse.references).find((r) => /^https?:\/\//i.test(r)) ??
    (id !== '' ? `${origin}/pulse/${id}` : null);
  const { indicators: _omitted, ...pulseInfo } = pulse;
  const keys = new Set<string>();
  const drafts: IndicatorDraft[] = [];

  for (const indicator of Array.isArray(pulse.indicators) ? pulse.indicators.filter(isRecord) : []) {
    const otxType = text(indicator.type) ?? '';
    const type = TYPES[otxType];
    const value = text(indicator.indicator);
    if (type === undefined || value === null) {
      counts.skipped++;
      counts.unsupported.set(otxType, (counts.unsupported.get(otxType) ?? 0) + 1);
      continue;
    }
    const normalised = normaliseValue(type, value.trim());
    if (normalised === null) {
      counts.skipped++;
      note(
        counts.issues,
        `pulse ${id}: ${otxType} ${JSON.stringify(value.slice(0, 80))} is not a valid value`,
      );
      continue;
    }
    const role = text(indicator.role);
    const draft: IndicatorDraft = {
      type: normalised.type,
      value: normalised.value,
      port: null,
      threat: defaults.threat ?? (role !== null ? (THREAT_BY_ROLE[role] ?? null) : null),
      malwareFamily: family,
      confidence: defaults.confidence,
      tags,
      reference,
      sourceFirstSeenAt: time(indicator.created),
      sourceLastSeenAt: time(modified),
      validFrom: null,
      validUntil: time(indicator.expiration),
      // Current OTX marks withdrawn indicators is_active: 0.
      revoked: indicator.is_active === 0 || indicator.is_active === false,
      raw: { pulse: pulseInfo, indicator },
    };
    const key = indicatorKey(draft);
    if (keys.has(key)) continue;
    keys.add(key);
    drafts.push(draft);
  }
  return { id, name, modified, indicators: drafts };
}

/** malware_families holds names in some answers and {id, display_name} objects in others. */
function familyOf(value: unknown): string | null {
  if (!Array.isArray(value)) return null;
  for (const item of value) {
    if (typeof item === 'string' && item !== '') return item;
    if (isRecord(item)) {
      const name = text(item.display_name) ?? text(item.name) ?? text(item.id);
      if (name !== null) return name;
    }
  }
  return null;
}

function isNewer(candidate: string, current: string | null): boolean {
  if (current === null) return true;
  const a = parseFeedTime(candidate);
  const b = parseFeedTime(current);
  return a !== null && (b === null || a > b);
}

function note(issues: ParseIssue[], message: string): void {
  if (issues.length < MAX_ISSUES) issues.push({ line: null, message });
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function time(value: unknown): number | null {
  return typeof value === 'string' && value !== '' ? parseFeedTime(value) : null;
}
