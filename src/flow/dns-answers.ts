import type { DnsMessage } from '../decode/index.js';
import type { DnsRecord } from '../records/index.js';
import type { InspectionContext } from './inspection-context.js';

/**
 * Reports a DNS response the client received: one record per answer, so passive DNS keeps every
 * address and CNAME step. A response without answers (NXDOMAIN, SERVFAIL, NODATA) still gives one
 * record, with an empty `answer`, because failed lookups (DGA domains) matter to detection.
 * A and AAAA answers also name their address for the client's later flows.
 */
export function reportDnsResponse(
  message: DnsMessage,
  clientAddr: string,
  serverAddr: string,
  seenAtUs: number,
  transport: 'udp' | 'tcp',
  ctx: InspectionContext,
): void {
  if (!message.isResponse || message.opcode !== 0) return;
  const question = message.questions[0];
  if (question === undefined) return;
  const queryName = question.name;
  let reported = 0;
  for (const answer of message.answers) {
    if (answer.data === null) continue;
    ctx.onDns(
      dnsRecord(
        clientAddr,
        serverAddr,
        seenAtUs,
        transport,
        ctx,
        message,
        queryName,
        answer.name,
        answer.typeName,
        answer.data,
        answer.ttl,
      ),
    );
    reported++;
    if (answer.type === 1 || answer.type === 28)
      ctx.rememberName(clientAddr, answer.data, queryName, seenAtUs);
  }
  if (reported === 0 && message.answers.length === 0) {
    ctx.onDns(
      dnsRecord(
        clientAddr,
        serverAddr,
        seenAtUs,
        transport,
        ctx,
        message,
        queryName,
        queryName,
        question.typeName,
        '',
        0,
      ),
    );
  }
}

// One object literal for every record (rather than spreading a shared base per answer): records then
// share one hidden class and cost one allocation each.
function dnsRecord(
  clientAddr: string,
  serverAddr: string,
  seenAtUs: number,
  transport: 'udp' | 'tcp',
  ctx: InspectionContext,
  message: DnsMessage,
  queryName: string,
  answerName: string,
  answerType: string,
  answer: string,
  ttl: number,
): DnsRecord {
  return {
    seenAt: seenAtUs,
    clientAddr,
    serverAddr,
    queryName,
    rcode: message.rcodeName,
    transport,
    sensor: ctx.sensor,
    answerName,
    answerType,
    answer,
    ttl,
  };
}
