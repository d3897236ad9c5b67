import type { DnsRecord } from '../../records/index.js';
import { parseLogInterval, parseLogTime } from '../log-fields.js';
import type { ZeekLogParser } from './zeek-log-parser.js';

/** The DNS server port whose answers name flows. */
const DNS_PORT = '53';

/**
 * Reads the current dns.log record as passive-DNS answers, the rows the flow table writes for the same
 * response: one per answer, or one with an empty answer when the response had none. Like the flow
 * table, it keeps only responses from port 53: mDNS, LLMNR and NetBIOS are local announcements, not
 * what a resolver told a client, and a query with no response (rcode unset) is not an answer.
 *
 * dns.log gives answers without their types or owner names: an address is A or AAAA, a name is the
 * query type's (PTR, NS, …) or, for an address query, a CNAME; owners follow the CNAME chain from the
 * query name, as resolvers order it. TTLs are whole seconds. `sensor` is filled in by the caller.
 * Returns [] for a record that is not an answer, and the reason as text for a malformed one.
 */
export function readZeekDns(log: ZeekLogParser): DnsRecord[] | string {
  if (log.get('id.resp_p') !== DNS_PORT) return [];
  const rcode = log.get('rcode_name');
  const query = log.get('query');
  if (rcode === null || query === null) return [];
  const ts = log.get('ts');
  const clientAddr = log.get('id.orig_h');
  const serverAddr = log.get('id.resp_h');
  if (ts === null || clientAddr === null || serverAddr === null)
    return 'a dns record without ts, id.orig_h or id.resp_h';
  const seenAt = parseLogTime(ts);
  if (Number.isNaN(seenAt)) return `ts "${ts}" is not a time`;
  const queryName = lowerName(query);
  const queryType = log.get('qtype_name');
  const transport = log.get('proto') === 'tcp' ? 'tcp' : 'udp';
  const answers = log.list('answers') ?? [];
  const ttls = log.list('TTLs') ?? [];
  const record = (answerName: string, answerType: string, answer: string, ttl: number): DnsRecord => ({
    seenAt,
    clientAddr,
    serverAddr,
    queryName,
    answerName,
    answerType,
    answer,
    ttl,
    rcode,
    transport,
    sensor: '',
  });
  if (answers.length === 0) return [record(queryName, queryType ?? '', '', 0)];
  const records: DnsRecord[] = [];
  let owner = queryName;
  for (const [i, answer] of answers.entries()) {
    const ttlUs = parseLogInterval(ttls[i] ?? '');
    const answerType = answerTypeOf(answer, queryType);
    const value = answerType === 'A' || answerType === 'AAAA' ? answer : lowerName(answer);
    records.push(record(owner, answerType, value, Number.isNaN(ttlUs) ? 0 : Math.round(ttlUs / 1e6)));
    if (answerType === 'CNAME' || answerType === 'DNAME') owner = value;
  }
  return records;
}

function answerTypeOf(answer: string, queryType: string | null): string {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(answer)) return 'A';
  if (answer.includes(':') && /^[0-9a-fA-F:.]+$/.test(answer)) return 'AAAA';
  if (queryType === null || queryType === 'A' || queryType === 'AAAA' || queryType === '*') return 'CNAME';
  return queryType;
}

function lowerName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
