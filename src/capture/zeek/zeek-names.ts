import { normaliseHttpHost, normaliseSha1, type LoggedNames } from '../logged-flow.js';
import type { ZeekLogParser } from './zeek-log-parser.js';

/** Names that ssl.log or http.log gives the connection `uid`. */
export interface ZeekNames {
  uid: string;
  names: LoggedNames;
}

/**
 * The current ssl.log record as names for its connection: SNI (`server_name`), the version as Zeek
 * spells it ("TLSv12", as flows do), the ALPN choice (`next_protocol`), and, where packages added them,
 * `ja3` and `ja4`. `cert_chain_fps` is SHA256 by default and flows keep SHA1, so the leaf certificate's
 * fingerprint is taken only when it is a SHA1. Null when the record has no uid.
 */
export function readZeekSsl(log: ZeekLogParser): ZeekNames | null {
  const uid = log.get('uid');
  if (uid === null) return null;
  const serverName = log.get('server_name');
  return {
    uid,
    names: {
      serverName: serverName === '' ? null : serverName,
      ja3: log.get('ja3'),
      ja4: log.get('ja4'),
      tlsCertSha1: normaliseSha1(log.list('cert_chain_fps')?.[0] ?? null),
      tlsVersion: log.get('version'),
      alpn: log.get('next_protocol'),
    },
  };
}

/**
 * The current http.log record's Host, normalised as the flow table does (lowercase, no port). Only the
 * first request of a connection (`trans_depth` 1, where the log has it) names the flow, as in capture.
 */
export function readZeekHttp(log: ZeekLogParser): ZeekNames | null {
  const uid = log.get('uid');
  const depth = log.get('trans_depth');
  const host = log.get('host');
  if (uid === null || host === null || (depth !== null && depth !== '1')) return null;
  const serverName = normaliseHttpHost(host);
  if (serverName === null) return null;
  return {
    uid,
    names: { serverName, ja3: null, ja4: null, tlsCertSha1: null, tlsVersion: null, alpn: null },
  };
}
