import type { FlowRecord } from '../records/index.js';

/**
 * A flow as a log (Zeek's conn.log, Suricata's eve.json) or the kernel (conntrack) reported it,
 * before the daemon gives it an id, places it against the home networks and names it from DNS.
 * `communityId` is null where the source did not log one; `sensor` is null where it did not say.
 */
export type LoggedFlow = Omit<FlowRecord, 'id' | 'communityId' | 'direction' | 'sensor'> & {
  communityId: string | null;
  sensor: string | null;
  /**
   * ICMP only: true when `dstPort` holds the message code as the source logged it (eve, conntrack);
   * the daemon then applies Community ID's rule (a request/reply type takes its counterpart type as
   * `dstPort`), as the flow table does. False where the source already did (Zeek's `id.resp_p`).
   */
  isIcmpCodeAsPort: boolean;
};

/** Names a TLS handshake or HTTP request gave a flow, as logged beside it (ssl.log, http.log, eve tls/http). */
export interface LoggedNames {
  serverName: string | null;
  ja3: string | null;
  ja4: string | null;
  tlsCertSha1: string | null;
  tlsVersion: string | null;
  alpn: string | null;
}

/** An HTTP Host header as flows carry it: lowercase, without port or IPv6 brackets; null when empty. */
export function normaliseHttpHost(host: string): string | null {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    name = end === -1 ? name.slice(1) : name.slice(1, end);
  } else {
    const colon = name.indexOf(':');
    // One colon is a port; more is a bare IPv6 address.
    if (colon !== -1 && name.indexOf(':', colon + 1) === -1) name = name.slice(0, colon);
  }
  return name === '' ? null : name;
}

/** A certificate fingerprint as flows carry it (40 lowercase hex digits), from "8f:51:…" or "8F51…"; null otherwise. */
export function normaliseSha1(text: string | null): string | null {
  if (text === null) return null;
  const hex = text.replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{40}$/.test(hex) ? hex : null;
}
