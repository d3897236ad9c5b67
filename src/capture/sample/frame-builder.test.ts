import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildArpFrame,
  buildFrame,
  parseIpv4,
  parseIpv6,
  parseMac,
  type FrameSpec,
  type TcpOption,
} from './frame-builder.js';

/** An independent RFC 1071 checksum: summing a region that includes its checksum gives 0xffff. */
function sums16(chunks: Uint8Array[]): number {
  let sum = 0;
  for (const bytes of chunks) {
    for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) + (bytes[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function pseudoHeader(src: Uint8Array, dst: Uint8Array, proto: number, length: number): Uint8Array {
  const out = new Uint8Array(src.length * 2 + 4);
  out.set(src, 0);
  out.set(dst, src.length);
  out[out.length - 3] = proto;
  out[out.length - 2] = length >> 8;
  out[out.length - 1] = length & 0xff;
  return out;
}

const MACS = { srcMac: 'f0:18:98:2b:6e:91', dstMac: '04:d9:f5:3c:71:a0' };
const payload = Buffer.from('hello, world');

interface Case {
  description: string;
  spec: FrameSpec;
  length: number;
  etherType: number;
  ipAt: number;
  ipProto: number;
}

const cases: Case[] = [
  {
    description: 'a TCP SYN over IPv4 with MSS, SACK, timestamps and window scale',
    spec: {
      ethernet: MACS,
      ip: { version: 4, src: '192.168.1.23', dst: '203.0.113.10', ttl: 64, id: 0x1234 },
      transport: {
        protocol: 'tcp',
        srcPort: 51000,
        dstPort: 443,
        seq: 0xfffffff0,
        ack: 0,
        flags: 0x02,
        window: 64240,
        options: [
          { kind: 'mss', value: 1460 },
          { kind: 'sackPermitted' },
          { kind: 'timestamps', value: 1, echo: 0 },
          { kind: 'nop' },
          { kind: 'windowScale', shift: 7 },
        ],
      },
    },
    length: 14 + 20 + 40,
    etherType: 0x0800,
    ipAt: 14,
    ipProto: 6,
  },
  {
    description: 'TCP data over IPv6',
    spec: {
      ethernet: MACS,
      ip: { version: 6, src: 'fd00:1::1c8e:7a3f:52d1:9b04', dst: '2001:db8:10::10', flowLabel: 0xabcde },
      transport: {
        protocol: 'tcp',
        srcPort: 51000,
        dstPort: 443,
        seq: 1,
        ack: 2,
        flags: 0x18,
        window: 2058,
        payload,
      },
    },
    length: 14 + 40 + 20 + payload.length,
    etherType: 0x86dd,
    ipAt: 14,
    ipProto: 6,
  },
  {
    description: 'a UDP datagram over IPv4 inside an 802.1Q tag',
    spec: {
      ethernet: { ...MACS, vlan: 42, vlanPriority: 5 },
      ip: { version: 4, src: '192.168.1.23', dst: '192.168.1.1', dontFragment: false },
      transport: { protocol: 'udp', srcPort: 5353, dstPort: 53, payload },
    },
    length: 18 + 20 + 8 + payload.length,
    etherType: 0x0800,
    ipAt: 18,
    ipProto: 17,
  },
  {
    description: 'an ICMP echo request over IPv4',
    spec: {
      ethernet: MACS,
      ip: { version: 4, src: '192.168.1.31', dst: '192.168.1.1' },
      transport: { protocol: 'icmp-echo', isReply: false, identifier: 1, sequence: 7, payload },
    },
    length: 14 + 20 + 8 + payload.length,
    etherType: 0x0800,
    ipAt: 14,
    ipProto: 1,
  },
  {
    description: 'an ICMPv6 echo reply',
    spec: {
      ethernet: MACS,
      ip: { version: 6, src: 'fd00:1::1', dst: 'fd00:1::31', hopLimit: 255 },
      transport: { protocol: 'icmp-echo', isReply: true, identifier: 2, sequence: 1, payload },
    },
    length: 14 + 40 + 8 + payload.length,
    etherType: 0x86dd,
    ipAt: 14,
    ipProto: 58,
  },
];

function checkFrame(frame: Buffer, c: Omit<Case, 'description' | 'length'>): void {
  const { spec, ipAt } = c;
  expect(frame.readUInt16BE(ipAt - 2)).toBe(c.etherType);
  const isV4 = spec.ip.version === 4;
  const src = isV4 ? parseIpv4(spec.ip.src) : parseIpv6(spec.ip.src);
  const dst = isV4 ? parseIpv4(spec.ip.dst) : parseIpv6(spec.ip.dst);
  let l4At: number;
  let l4Length: number;
  if (isV4) {
    expect(frame[ipAt]).toBe(0x45);
    expect(frame[ipAt + 9]).toBe(c.ipProto);
    expect(sums16([frame.subarray(ipAt, ipAt + 20)])).toBe(0xffff);
    l4At = ipAt + 20;
    l4Length = frame.readUInt16BE(ipAt + 2) - 20;
  } else {
    expect(frame[ipAt]! >> 4).toBe(6);
    expect(frame[ipAt + 6]).toBe(c.ipProto);
    l4At = ipAt + 40;
    l4Length = frame.readUInt16BE(ipAt + 4);
  }
  const l4 = frame.subarray(l4At, l4At + l4Length);
  const chunks = c.ipProto === 1 ? [l4] : [pseudoHeader(src, dst, c.ipProto, l4Length), l4];
  expect(sums16(chunks)).toBe(0xffff);
}

describe('buildFrame', () => {
  it.each(cases)('builds $description with correct lengths and checksums', (c) => {
    const frame = buildFrame(c.spec);
    expect(frame.length).toBe(Math.max(60, c.length));
    expect(frame.subarray(0, 6)).toEqual(Buffer.from(parseMac(c.spec.ethernet.dstMac)));
    expect(frame.subarray(6, 12)).toEqual(Buffer.from(parseMac(c.spec.ethernet.srcMac)));
    checkFrame(frame, c);
  });

  it('writes the IPv4 header fields it is given', () => {
    const frame = buildFrame(cases[0]!.spec);
    expect(frame.readUInt16BE(14 + 2)).toBe(60); // total length
    expect(frame.readUInt16BE(14 + 4)).toBe(0x1234); // id
    expect(frame.readUInt16BE(14 + 6)).toBe(0x4000); // DF
    expect(frame[14 + 8]).toBe(64);
    expect([...frame.subarray(26, 34)]).toEqual([192, 168, 1, 23, 203, 0, 113, 10]);
  });

  it('writes TCP options in order and pads them to a multiple of four', () => {
    const frame = buildFrame(cases[0]!.spec);
    const tcp = frame.subarray(34);
    expect(tcp[12]! >> 4).toBe(10); // 40-byte header
    expect([...tcp.subarray(20, 40)]).toEqual([
      2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
    ]);
    const oddOptions: TcpOption[] = [
      { kind: 'mss', value: 1460 },
      { kind: 'windowScale', shift: 8 },
    ];
    const padded = buildFrame({
      ...cases[0]!.spec,
      transport: { ...cases[0]!.spec.transport, options: oddOptions } as never,
    });
    expect(padded[34 + 12]! >> 4).toBe(7); // 20 + 7 bytes of options, padded to 8
    expect(padded[34 + 27]).toBe(0); // end-of-options padding
  });

  it('refuses more than 40 bytes of TCP options', () => {
    const options: TcpOption[] = Array.from({ length: 5 }, () => ({ kind: 'timestamps', value: 0, echo: 0 }));
    const spec = { ...cases[0]!.spec, transport: { ...cases[0]!.spec.transport, options } } as FrameSpec;
    expect(() => buildFrame(spec)).toThrow(RangeError);
  });

  it('writes the 802.1Q tag with its priority and VLAN id', () => {
    const frame = buildFrame(cases[2]!.spec);
    expect(frame.readUInt16BE(12)).toBe(0x8100);
    expect(frame.readUInt16BE(14)).toBe((5 << 13) | 42);
    expect(frame.readUInt16BE(18 + 6)).toBe(0); // IPv4 flags after the tag: no DF
  });

  it('pads short frames to 60 bytes unless told not to', () => {
    const ack: FrameSpec = {
      ethernet: MACS,
      ip: { version: 4, src: '10.0.0.1', dst: '10.0.0.2' },
      transport: { protocol: 'tcp', srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: 0x10, window: 5 },
    };
    const padded = buildFrame(ack);
    expect(padded.length).toBe(60);
    expect([...padded.subarray(54)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(buildFrame({ ...ack, ethernet: { ...MACS, padToMinimum: false } }).length).toBe(54);
  });

  it('keeps every checksum right for any ports, sequence numbers and payload', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 1400 }),
        fc.boolean(),
        fc.constantFrom('tcp', 'udp'),
        (srcPort, dstPort, seq, data, isV6, protocol) => {
          const spec: FrameSpec = {
            ethernet: MACS,
            ip: isV6
              ? { version: 6, src: 'fd00:1::8d2:4f1e:a63b:27c0', dst: '2001:db8::1' }
              : { version: 4, src: '192.168.1.31', dst: '198.51.100.7', id: seq & 0xffff },
            transport:
              protocol === 'tcp'
                ? {
                    protocol,
                    srcPort,
                    dstPort,
                    seq,
                    ack: seq ^ 0x5a5a5a5a,
                    flags: 0x18,
                    window: 502,
                    payload: data,
                  }
                : { protocol, srcPort, dstPort, payload: data },
          };
          checkFrame(buildFrame(spec), {
            spec,
            etherType: isV6 ? 0x86dd : 0x0800,
            ipAt: 14,
            ipProto: protocol === 'tcp' ? 6 : 17,
          });
        },
      ),
    );
  });
});

describe('buildArpFrame', () => {
  it('builds a who-has request as Ethernet ARP for IPv4', () => {
    const frame = buildArpFrame({
      ethernet: { srcMac: MACS.srcMac, dstMac: 'ff:ff:ff:ff:ff:ff' },
      operation: 1,
      senderMac: MACS.srcMac,
      senderAddr: '192.168.1.23',
      targetMac: '00:00:00:00:00:00',
      targetAddr: '192.168.1.1',
    });
    expect(frame.length).toBe(60);
    expect(frame.readUInt16BE(12)).toBe(0x0806);
    expect(frame.subarray(14, 22).toString('hex')).toBe('0001080006040001');
    expect([...frame.subarray(28, 32)]).toEqual([192, 168, 1, 23]);
    expect([...frame.subarray(38, 42)]).toEqual([192, 168, 1, 1]);
  });
});

describe('parseIpv6', () => {
  it.each([
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['fd00:1::1', 'fd000001000000000000000000000001'],
    ['2001:db8::', '20010db8000000000000000000000000'],
    ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
    ['FE80::A:b', 'fe8000000000000000000000000a000b'],
  ])('parses %s', (text, hex) => {
    expect(Buffer.from(parseIpv6(text)).toString('hex')).toBe(hex);
  });

  it.each(['1::2::3', '1:2:3:4:5:6:7', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4::5:6:7:8'])(
    'rejects %s',
    (text) => {
      expect(() => parseIpv6(text)).toThrow(TypeError);
    },
  );
});

describe('parseIpv4 and parseMac', () => {
  it('reject malformed text', () => {
    expect(() => parseIpv4('192.168.1')).toThrow(TypeError);
    expect(() => parseIpv4('192.168.1.256')).toThrow(TypeError);
    expect(() => parseMac('f0:18:98:2b:6e')).toThrow(TypeError);
    expect(() => parseMac('f0:18:98:2b:6e:zz')).toThrow(TypeError);
  });

  it('accept dashes in MACs', () => {
    expect([...parseMac('F0-18-98-2B-6E-91')]).toEqual([0xf0, 0x18, 0x98, 0x2b, 0x6e, 0x91]);
  });
});
