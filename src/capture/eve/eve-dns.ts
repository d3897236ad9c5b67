import type { DnsRecord } from '../../records/index.js';
import { parseLogTime } from '../log-fields.js';
import { countAt, isObject, listAt, objectAt, textAt, type JsonObject } from './eve-values.js';

const DNS_PORT = 53;

/**
 * Reads a `dns` event as passive-DNS answers, the rows the flow table writes for the same response:
 * one per answer with data, or one with an empty answer when the response had no answers. Queries are
 * not answers and give []. All three of Suricata's layouts are read:
 *
 * - version 1 (Suricata ≤ 4): one `answer` event per answer record, `rrname`/`rrtype`/`rdata`/`ttl`
 *   beside the header fields. `rrname` is that record's owner; the query name is not logged, so the
 *   owner stands in for it.
 * - version 2 (Suricata 5–7): one `answer` event per response, the query in `rrname`/`rrtype`, answers
 *   in `answers` ("detailed") and/or `grouped` (addresses by type, without owners or TTLs).
 * - version 3 (Suricata 8): type `response`, the questions in `queries`, answers in `answers`. The
 *   responder is `src_ip` here, where earlier versions kept the client in `src_ip`.
 *
 * Like the flow table, only responses from port 53 count (mDNS and LLMNR are local announcements).
 * `sensor` is filled in by the caller. Returns the reason as text for a malformed event.
 */
export function readEveDns(event: JsonObject): DnsRecord[] | string {
  const dns = objectAt(event, 'dns');
  if (dns === null) return 'a dns event without its dns object';
  const type = textAt(dns, 'type');
  if (type !== 'answer' && type !== 'response') return [];
  const isV3 = type === 'response';
  const clientAddr = textAt(event, isV3 ? 'dest_ip' : 'src_ip');
  const serverAddr = textAt(event, isV3 ? 'src_ip' : 'dest_ip');
  const serverPort = countAt(event, isV3 ? 'src_port' : 'dest_port');
  if (clientAddr === null || serverAddr === null) return 'a dns event without src_ip or dest_ip';
  if (serverPort !== DNS_PORT) return [];
  const timestamp = textAt(event, 'timestamp');
  const seenAt = timestamp === null ? Number.NaN : parseLogTime(timestamp);
  if (Number.isNaN(seenAt)) return 'a dns event whose timestamp is not a time';
  const question = isV3 ? (listAt(dns, 'queries')?.find(isObject) ?? null) : dns;
  const queryName = lowerName(textAt(question, 'rrname') ?? '');
  const queryType = textAt(question, 'rrtype') ?? '';
  const transport = textAt(event, 'proto')?.toUpperCase() === 'TCP' ? 'tcp' : 'udp';
  const rcode = textAt(dns, 'rcode') ?? 'NOERROR';
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

  // Version 1: the event is one answer record, or the only line of an answerless response.
  if (!isV3 && dns['version'] === undefined) {
    const rdata = textAt(dns, 'rdata');
    if (rdata === null) return [record(queryName, queryType, '', 0)];
    const ttl = countAt(dns, 'ttl');
    return [record(queryName, queryType, answerValue(queryType, rdata), Number.isNaN(ttl) ? 0 : ttl)];
  }

  const answers = listAt(dns, 'answers');
  if (answers !== null) {
    const records: DnsRecord[] = [];
    for (const answer of answers) {
      if (!isObject(answer)) continue;
      const rdata = textAt(answer, 'rdata');
      if (rdata === null) continue; // SOA, SSHFP and the like: structured data, no address or name.
      const answerType = textAt(answer, 'rrtype') ?? '';
      const ttl = countAt(answer, 'ttl');
      const owner = lowerName(textAt(answer, 'rrname') ?? queryName);
      records.push(record(owner, answerType, answerValue(answerType, rdata), Number.isNaN(ttl) ? 0 : ttl));
    }
    if (records.length > 0 || answers.length > 0) return records;
  }
  const grouped = objectAt(dns, 'grouped');
  if (grouped !== null) {
    const records: DnsRecord[] = [];
    for (const [answerType, values] of Object.entries(grouped)) {
      if (!Array.isArray(values)) continue;
      for (const value of values) {
        if (typeof value === 'string')
          records.push(record(queryName, answerType, answerValue(answerType, value), 0));
      }
    }
    if (records.length > 0) return records;
  }
  return [record(queryName, queryType, '', 0)];
}

/** Names as flows and the flow table keep them: lowercase without the final dot; addresses as given. */
function answerValue(type: string, value: string): string {
  return type === 'A' || type === 'AAAA' ? value : lowerName(value);
}

function lowerName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
