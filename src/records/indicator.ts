import type { EpochMicros } from './time.js';

/** What an indicator's value is. Hash types keep their algorithm name. */
export type IndicatorType =
  | 'ipv4'
  | 'ipv6'
  | 'cidr'
  | 'domain'
  | 'url'
  | 'ja3'
  | 'ja4'
  | 'cert_sha1'
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'asn'
  | 'email';

/**
 * One indicator as a feed parser yields it: normalised, with the source's original record kept in `raw`.
 * Values are normalised once here (lowercase domains without trailing dot, RFC 5952 IPv6, canonical
 * CIDR network address, undefanged URLs), so matching never has to.
 */
export interface IndicatorDraft {
  type: IndicatorType;
  value: string;
  /** Port the source names with the value (Feodo's C2 port, ThreatFox's ip:port), else null. */
  port: number | null;
  /** What kind of threat: botnet_cc, malware_download, phishing, spam, scanner, compromised, tor_exit, … */
  threat: string | null;
  malwareFamily: string | null;
  /** 0–100, the source's own where it gives one, else the feed definition's default. */
  confidence: number | null;
  tags: string[];
  /** A link a person can follow for context. */
  reference: string | null;
  /** The source's own first/last seen (e.g. Feodo's first_seen_utc, last_online). */
  sourceFirstSeenAt: EpochMicros | null;
  sourceLastSeenAt: EpochMicros | null;
  /** Validity the source states (STIX valid_from / valid_until); null when it states none. */
  validFrom: EpochMicros | null;
  validUntil: EpochMicros | null;
  /** The source withdrew it (STIX revoked). */
  revoked: boolean;
  /** The original record, as the source gave it (CSV row as an object, the JSON object, the text line). */
  raw: unknown;
}

/** An indicator as stored: a draft, plus which feed lists it and when Yamori saw it listed. */
export interface Indicator extends IndicatorDraft {
  id: string;
  /** Feed name. */
  source: string;
  /** First and last address of an address or network value, as text (for display); null otherwise. */
  rangeStart: string | null;
  rangeEnd: string | null;
  /** When Yamori first and last saw it in the feed. */
  firstListedAt: EpochMicros;
  lastListedAt: EpochMicros;
  /** When it left the feed; null while listed. An entry that returns is reactivated (set back to null). */
  removedAt: EpochMicros | null;
  /** Why it must never alert (allow-list entry), or null. */
  allowlistReason: string | null;
}

/** The key that makes an indicator unique within a feed. */
export function indicatorKey(draft: Pick<IndicatorDraft, 'type' | 'value' | 'port'>): string {
  return `${draft.type}\u0000${draft.value}\u0000${draft.port ?? ''}`;
}
