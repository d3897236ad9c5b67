import { describe, expect, it } from 'vitest';
import type { TimedFrame } from './pcap-writer.js';
import { SeededRandom } from './seeded-random.js';
import { TCP_STACKS, TcpConversation, pingExchange, type Peer } from './tcp-conversation.js';

interface Segment {
  at: number;
  fromClient: boolean;
  flags: number;
  seq: number;
  ack: number;
  length: number;
  optionKinds: number[];
}

const CLIENT: Peer = {
  mac: 'f0:18:98:2b:6e:91',
  addr: '192.168.1.23',
  port: 50000,
  ttl: 64,
  stack: TCP_STACKS.linux,
};
const SERVER: Peer = {
  mac: '04:d9:f5:3c:71:a0',
  addr: '203.0.113.10',
  port: 443,
  ttl: 52,
  stack: TCP_STACKS.linux,
};
const RTT = 20_000;

function decode(frames: TimedFrame[]): Segment[] {
  return frames.map(({ timestampUs, frame }) => {
    const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    const tcp = b.subarray(34, 14 + b.readUInt16BE(16));
    const headerLength = (tcp[12]! >> 4) * 4;
    const optionKinds: number[] = [];
    for (let i = 20; i < headerLength;) {
      const kind = tcp[i]!;
      if (kind === 0) break;
      optionKinds.push(kind);
      i += kind === 1 ? 1 : tcp[i + 1]!;
    }
    return {
      at: timestampUs,
      fromClient: tcp.readUInt16BE(0) === CLIENT.port,
      flags: tcp[13]!,
      seq: tcp.readUInt32BE(4),
      ack: tcp.readUInt32BE(8),
      length: tcp.length - headerLength,
      optionKinds,
    };
  });
}

function conversation(client = CLIENT): { tcp: TcpConversation; clock: { us: number } } {
  const clock = { us: 1_000_000 };
  return { tcp: new TcpConversation(client, SERVER, clock, new SeededRandom(1), RTT), clock };
}

describe('TcpConversation', () => {
  it('opens with SYN, SYN-ACK a round trip later, and ACK, each acknowledging the other side', () => {
    const { tcp } = conversation();
    const [syn, synAck, ack] = decode([...tcp.open()]);
    expect([syn!.flags, synAck!.flags, ack!.flags]).toEqual([0x02, 0x12, 0x10]);
    expect(synAck!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(ack!.seq).toBe((syn!.seq + 1) >>> 0);
    expect(ack!.ack).toBe((synAck!.seq + 1) >>> 0);
    expect(synAck!.at - syn!.at).toBe(RTT);
    expect(syn!.optionKinds).toEqual([2, 4, 8, 1, 3]); // Linux: MSS, SACK, timestamps, NOP, window scale
    expect(ack!.optionKinds).toEqual([1, 1, 8]);
  });

  it('cuts data into MSS-sized segments (less 12 bytes of timestamps) with PSH on the last and an ACK every second one', () => {
    const { tcp } = conversation();
    const open = decode([...tcp.open()]);
    const data = decode([...tcp.serverSends(Buffer.alloc(5_000))]);
    const fromServer = data.filter((s) => !s.fromClient);
    expect(fromServer.map((s) => s.length)).toEqual([1448, 1448, 1448, 656]);
    expect(fromServer.map((s) => s.flags)).toEqual([0x10, 0x10, 0x10, 0x18]);
    expect(fromServer[0]!.seq).toBe(open[2]!.ack);
    const acks = data.filter((s) => s.fromClient);
    expect(acks.map((s) => s.ack - fromServer[0]!.seq)).toEqual([2896, 5000]);
    for (let i = 1; i < data.length; i++) expect(data[i]!.at).toBeGreaterThanOrEqual(data[i - 1]!.at);
  });

  it('uses the full 1460-byte MSS when the client (Windows) offers no timestamps', () => {
    const { tcp } = conversation({ ...CLIENT, stack: TCP_STACKS.windows });
    decode([...tcp.open()]);
    const segments = decode([...tcp.clientSends(Buffer.alloc(3_000), { acked: false })]);
    expect(segments.map((s) => s.length)).toEqual([1460, 1460, 80]);
    expect(segments[0]!.optionKinds).toEqual([]);
  });

  it('shows the server’s ACKs for uploaded data a round trip after each pair of segments', () => {
    const { tcp } = conversation();
    decode([...tcp.open()]);
    const segments = decode([...tcp.clientSends(Buffer.alloc(4 * 1448))]);
    const acks = segments.filter((s) => !s.fromClient);
    const data = segments.filter((s) => s.fromClient);
    expect(acks).toHaveLength(2);
    expect(acks[0]!.at - data[1]!.at).toBe(RTT);
  });

  it('closes with FIN from each side and a last ACK, each FIN taking one sequence number', () => {
    const { tcp } = conversation();
    decode([...tcp.open()]);
    const [fin1, fin2, last] = decode([...tcp.closeFromClient()]);
    expect([fin1!.flags, fin2!.flags, last!.flags]).toEqual([0x11, 0x11, 0x10]);
    expect(fin2!.ack).toBe((fin1!.seq + 1) >>> 0);
    expect(last!.ack).toBe((fin2!.seq + 1) >>> 0);
  });

  it('answers a refused SYN with RST-ACK acknowledging it', () => {
    const { tcp } = conversation();
    const [syn, rst] = decode([...tcp.refused()]);
    expect(rst!.flags).toBe(0x14);
    expect(rst!.ack).toBe((syn!.seq + 1) >>> 0);
    expect(rst!.optionKinds).toEqual([]);
  });

  it('retransmits an unanswered SYN after 1 s and then 2 s, with the same sequence number', () => {
    const { tcp } = conversation();
    const syns = decode([...tcp.unanswered(2)]);
    expect(syns.map((s) => s.at - syns[0]!.at)).toEqual([0, 1_000_000, 3_000_000]);
    expect(new Set(syns.map((s) => s.seq)).size).toBe(1);
  });
});

describe('pingExchange', () => {
  it('sends numbered echo requests, each answered a round trip later', () => {
    const clock = { us: 0 };
    const frames = [
      ...pingExchange(CLIENT, SERVER, clock, new SeededRandom(1), {
        count: 3,
        identifier: 9,
        intervalUs: 1_000_000,
        rttUs: 500,
        payload: Buffer.from('abcd'),
      }),
    ];
    const icmp = frames.map(({ timestampUs, frame }) => [
      timestampUs,
      frame[34],
      Buffer.from(frame).readUInt16BE(40),
    ]);
    expect(icmp).toEqual([
      [0, 8, 1],
      [500, 0, 1],
      [1_000_500, 8, 2],
      [1_001_000, 0, 2],
      [2_001_000, 8, 3],
      [2_001_500, 0, 3],
    ]);
  });
});
