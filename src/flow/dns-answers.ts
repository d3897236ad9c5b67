import type { DnsMessage } from '../decode/index.js';
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
  const base = {
    seenAt: seenAtUs,
    clientAddr,
    serverAddr,
    queryName,
    rcode: message.rcodeName,
    transport,
    sensor: ctx.sensor,
  };
  let reported = 0;
  for (const answer of message.answers) {
    if (answer.data === null) continue;
    ctx.onDns({
      ...base,
      answerName: answer.name,
      answerType: answer.typeName,
      answer: answer.data,
      ttl: answer.ttl,
    });
    reported++;
    if (answer.type === 1 || answer.type === 28)
      ctx.rememberName(clientAddr, answer.data, queryName, seenAtUs);
  }
  if (reported === 0 && message.answers.length === 0) {
    ctx.onDns({ ...base, answerName: queryName, answerType: question.typeName, answer: '', ttl: 0 });
  }
}
