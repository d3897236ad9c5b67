import type { EpochMicros } from './time.js';

/** One answer a client received: passive DNS, one row per (query name, answer). */
export interface DnsRecord {
  seenAt: EpochMicros;
  clientAddr: string;
  serverAddr: string;
  /** The name asked for, lowercase, without the trailing dot. */
  queryName: string;
  /** The owner name of this answer record (differs from queryName after a CNAME). */
  answerName: string;
  /** A, AAAA, CNAME, … */
  answerType: string;
  /** An address for A/AAAA, a name for CNAME. */
  answer: string;
  ttl: number;
  /** DNS response code name: NOERROR, NXDOMAIN, … */
  rcode: string;
  transport: 'udp' | 'tcp';
  sensor: string;
}
