import type { DnsRecord } from '../../records/index.js';
import { normaliseHttpHost, normaliseSha1, type LoggedFlow, type LoggedNames } from '../logged-flow.js';
import { readEveDns } from './eve-dns.js';
import { readEveFlow } from './eve-flow.js';
import { countAt, isObject, listAt, objectAt, textAt, type JsonObject } from './eve-values.js';

/** What one eve.json line holds, as far as flows and DNS go. */
export type EveEvent =
  | { type: 'flow'; flowId: string | null; appProto: string | null; flow: LoggedFlow }
  | { type: 'dns'; records: DnsRecord[]; sensor: string | null }
  | { type: 'names'; flowId: string; names: LoggedNames }
  /** Alerts, stats, fileinfo, a DNS query, …: valid, but nothing to store. */
  | { type: 'other' }
  | { type: 'bad'; reason: string };

export interface ReadEveOptions {
  /** Link-layer header bytes per packet that Suricata's byte counts include (14 for Ethernet). */
  linkHeaderBytes: number;
}

const OTHER: EveEvent = { type: 'other' };

// flow_id is a 64-bit integer in the text; JSON.parse would round one above 2^53, so it is read from the text.
const FLOW_ID = /"flow_id"\s*:\s*(\d+)/;

/**
 * Reads one eve.json line. `flow` events become flows, `dns` responses passive-DNS answers, and `tls`
 * (SNI, JA3, JA4, certificate SHA1, version, ALPN) and `http` (Host of the first request) events names
 * to join onto their flow by `flow_id`. Everything else is `other`; a line that is not an eve event is
 * `bad`, with the reason.
 */
export function readEveEvent(line: string, options: ReadEveOptions): EveEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return { type: 'bad', reason: `not JSON (${(error as Error).message})` };
  }
  if (!isObject(parsed)) return { type: 'bad', reason: 'a JSON value that is not an object' };
  const eventType = textAt(parsed, 'event_type');
  if (eventType === null) return { type: 'bad', reason: 'an object without "event_type"' };
  switch (eventType) {
    case 'flow': {
      const flow = readEveFlow(parsed, options.linkHeaderBytes);
      if (typeof flow === 'string') return { type: 'bad', reason: flow };
      return { type: 'flow', flowId: flowIdOf(line), appProto: textAt(parsed, 'app_proto'), flow };
    }
    case 'dns': {
      const records = readEveDns(parsed);
      if (typeof records === 'string') return { type: 'bad', reason: records };
      return records.length === 0 ? OTHER : { type: 'dns', records, sensor: textAt(parsed, 'host') };
    }
    case 'tls':
      return namesEvent(line, tlsNames(objectAt(parsed, 'tls')));
    case 'http':
      return namesEvent(line, httpNames(objectAt(parsed, 'http'), parsed));
    default:
      return OTHER;
  }
}

function flowIdOf(line: string): string | null {
  return FLOW_ID.exec(line)?.[1] ?? null;
}

function namesEvent(line: string, names: LoggedNames | null): EveEvent {
  const flowId = flowIdOf(line);
  if (names === null || flowId === null) return OTHER;
  return { type: 'names', flowId, names };
}

/** Suricata's "TLS 1.2" in Zeek's spelling ("TLSv12"), which flows use; "SSLv3" stays. */
function tlsVersion(text: string | null): string | null {
  if (text === null || text === 'UNDETERMINED') return null;
  const tls = /^(D?TLS) 1\.(\d)$/.exec(text);
  return tls === null ? text : `${tls[1]}v1${tls[2]}`;
}

function tlsNames(tls: JsonObject | null): LoggedNames | null {
  if (tls === null) return null;
  const alpns = listAt(tls, 'server_alpns') ?? listAt(tls, 'client_alpns');
  const alpn = alpns?.[0];
  const sni = textAt(tls, 'sni');
  return {
    serverName: sni === '' ? null : sni,
    ja3: textAt(objectAt(tls, 'ja3'), 'hash'),
    ja4: textAt(tls, 'ja4'),
    tlsCertSha1: normaliseSha1(textAt(tls, 'fingerprint')),
    tlsVersion: tlsVersion(textAt(tls, 'version')),
    alpn: typeof alpn === 'string' ? alpn : null,
  };
}

/** The first request's Host names the flow, as in capture; later transactions (tx_id > 0) do not. */
function httpNames(http: JsonObject | null, event: JsonObject): LoggedNames | null {
  const txId = countAt(event, 'tx_id');
  if (!Number.isNaN(txId) && txId > 0) return null;
  const host = textAt(http, 'hostname');
  const serverName = host === null ? null : normaliseHttpHost(host);
  if (serverName === null) return null;
  return { serverName, ja3: null, ja4: null, tlsCertSha1: null, tlsVersion: null, alpn: null };
}
