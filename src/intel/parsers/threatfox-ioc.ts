import type { IndicatorDraft } from '../../records/index.js';
import { normaliseIp, normalisePort, normaliseValue, type NormalisedValue } from '../normalise-indicator.js';
import { parseFeedTime } from './feed-time.js';
import { excerpt } from './parse-failed.js';
import type { ResultBuilder } from './result-builder.js';

/** One ThreatFox IoC as both exports carry it, as text ("" for absent). */
export interface ThreatFoxIoc {
  id: string;
  value: string;
  type: string;
  threatType: string;
  malware: string;
  malwarePrintable: string;
  firstSeen: string;
  lastSeen: string;
  confidence: string;
  tags: string[];
}

/** ThreatFox's defaults: its own confidence_level is on every IoC, so the default rarely applies. */
export const THREATFOX_DEFAULTS = { threat: 'malware', confidence: 50 };

// A Map, not an object: an ioc_type of "constructor" must not find Object's.
const HASH_TYPES: ReadonlyMap<string, 'md5' | 'sha1' | 'sha256'> = new Map([
  ['md5_hash', 'md5'],
  ['sha1_hash', 'sha1'],
  ['sha256_hash', 'sha256'],
]);

/** "1.2.3.4:443", "[2001:db8::1]:443" as the address and port; null when it is not one. */
export function splitIpPort(text: string): { ip: NormalisedValue; port: number | null } | null {
  let host = text;
  let portText = '';
  if (text.charCodeAt(0) === 91) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    host = text.slice(1, close);
    if (close + 1 < text.length) {
      if (text.charCodeAt(close + 1) !== 58) return null;
      portText = text.slice(close + 2);
    }
  } else {
    const colon = text.lastIndexOf(':');
    if (colon !== -1 && text.indexOf(':') === colon) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  const ip = normaliseIp(host);
  if (ip === null) return null;
  if (portText === '') return { ip, port: null };
  const port = normalisePort(portText);
  return port === null ? null : { ip, port };
}

/** Adds one IoC to the result: ip:port, domain, url and md5/sha1/sha256 hashes, typed; others are skipped. */
export function addThreatFoxIoc(
  result: ResultBuilder,
  ioc: ThreatFoxIoc,
  raw: unknown,
  line: number | null,
): void {
  let value: NormalisedValue | null = null;
  let port: number | null = null;
  const hashType = HASH_TYPES.get(ioc.type);
  if (ioc.type === 'ip:port') {
    const split = splitIpPort(ioc.value);
    if (split !== null) {
      value = split.ip;
      port = split.port;
    }
  } else if (ioc.type === 'domain' || ioc.type === 'url') {
    value = normaliseValue(ioc.type, ioc.value);
  } else if (hashType !== undefined) {
    value = normaliseValue(hashType, ioc.value);
  } else {
    result.skip(line, `ioc_type "${excerpt(ioc.type)}" is not one Yamori reads`);
    return;
  }
  if (value === null) {
    result.skip(line, `ioc_value "${excerpt(ioc.value)}" is not a valid ${ioc.type}`);
    return;
  }
  const draft: IndicatorDraft = result.draft(value.type, value.value, raw);
  draft.port = port;
  if (ioc.threatType !== '') draft.threat = ioc.threatType;
  const family =
    ioc.malwarePrintable !== '' && ioc.malwarePrintable !== 'Unknown malware'
      ? ioc.malwarePrintable
      : ioc.malware;
  if (family !== '') draft.malwareFamily = family;
  const confidence = normalisePort(ioc.confidence);
  if (confidence !== null && confidence <= 100) draft.confidence = confidence;
  if (ioc.tags.length > 0) draft.tags = ioc.tags;
  if (ioc.id !== '') draft.reference = `https://threatfox.abuse.ch/ioc/${ioc.id}/`;
  draft.sourceFirstSeenAt = parseFeedTime(ioc.firstSeen);
  draft.sourceLastSeenAt = parseFeedTime(ioc.lastSeen);
  result.add(draft, line);
}
