import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDhcp } from './dhcp.js';
import type { DhcpInfo } from './dhcp.js';
import { readSamplePackets } from './sample-captures.testing.js';
import { concat, ipv4Bytes, macBytes, u16, u32 } from './testing.js';

interface BootpOptions {
  op?: number;
  htype?: number;
  hlen?: number;
  xid?: number;
  ciaddr?: string;
  yiaddr?: string;
  chaddr?: string;
  cookie?: number;
  /** Option blocks; an end option (255) is appended unless `end` is false. */
  options?: number[][];
  end?: boolean;
}

function bootp(o: BootpOptions): Uint8Array {
  const chaddr = [...macBytes(o.chaddr ?? '3c:22:fb:01:02:03'), ...new Array<number>(10).fill(0)];
  return concat(
    [o.op ?? 1, o.htype ?? 1, o.hlen ?? 6, 0],
    u32(o.xid ?? 0x12345678),
    u16(0),
    u16(0x8000),
    ipv4Bytes(o.ciaddr ?? '0.0.0.0'),
    ipv4Bytes(o.yiaddr ?? '0.0.0.0'),
    ipv4Bytes('0.0.0.0'),
    ipv4Bytes('0.0.0.0'),
    chaddr,
    new Array<number>(64 + 128).fill(0),
    u32(o.cookie ?? 0x63825363),
    ...(o.options ?? []),
    o.end === false ? [] : [255],
  );
}

function option(code: number, data: number[] | string): number[] {
  const bytes = typeof data === 'string' ? [...Buffer.from(data, 'utf8')] : data;
  return [code, bytes.length, ...bytes];
}

const discover = bootp({
  options: [
    option(53, [1]),
    option(61, [1, ...macBytes('3c:22:fb:01:02:03')]),
    option(50, ipv4Bytes('192.168.1.23')),
    option(12, 'Living-Room-TV'),
    option(60, 'android-dhcp-13'),
    option(55, [1, 3, 6, 15, 26, 28, 51, 58, 59, 43]),
  ],
});

const cases: [string, Uint8Array, Partial<DhcpInfo> | null][] = [
  [
    'reads a DISCOVER: client MAC, hostname, vendor class, requested address and parameter list in order',
    discover,
    {
      op: 1,
      transactionId: 0x12345678,
      messageType: 1,
      messageTypeName: 'DISCOVER',
      clientMac: '3c:22:fb:01:02:03',
      clientAddr: '0.0.0.0',
      yourAddr: '0.0.0.0',
      hostname: 'Living-Room-TV',
      vendorClass: 'android-dhcp-13',
      requestedAddr: '192.168.1.23',
      parameterRequestList: [1, 3, 6, 15, 26, 28, 51, 58, 59, 43],
      clientId: '013c22fb010203',
      isComplete: true,
    },
  ],
  [
    'reads an ACK: the assigned address, server id and lease time',
    bootp({
      op: 2,
      yiaddr: '192.168.1.23',
      options: [
        option(53, [5]),
        option(54, ipv4Bytes('192.168.1.1')),
        option(51, u32(86400)),
        option(1, [255, 255, 255, 0]),
      ],
    }),
    {
      op: 2,
      messageTypeName: 'ACK',
      yourAddr: '192.168.1.23',
      serverId: '192.168.1.1',
      leaseSeconds: 86400,
      hostname: null,
    },
  ],
  [
    'reads a renewing REQUEST from ciaddr',
    bootp({ ciaddr: '10.0.0.7', options: [option(53, [3])] }),
    { messageTypeName: 'REQUEST', clientAddr: '10.0.0.7', requestedAddr: null },
  ],
  [
    'names every message type and gives TYPE<n> for unknown ones',
    bootp({ options: [option(53, [200])] }),
    { messageType: 200, messageTypeName: 'TYPE200' },
  ],
  [
    'skips pad options and strips NUL padding from text options',
    bootp({ options: [[0, 0, 0], option(12, [...Buffer.from('nas'), 0, 0])] }),
    { hostname: 'nas' },
  ],
  [
    'decodes UTF-8 hostnames and escapes control characters',
    bootp({ options: [option(12, 'Jürgen’s\niPhone')] }),
    { hostname: 'Jürgen’s\\x0aiPhone' },
  ],
  [
    'keeps the first copy of a repeated option',
    bootp({ options: [option(12, 'first'), option(12, 'second')] }),
    { hostname: 'first' },
  ],
  [
    'gives no client MAC for a hardware type other than Ethernet',
    bootp({ htype: 6, hlen: 6, options: [option(53, [8])] }),
    { clientMac: null, messageTypeName: 'INFORM' },
  ],
  [
    'keeps what it read when the options are cut off, and says so',
    bootp({ options: [option(53, [1]), option(12, 'cut'), [60, 20, 0x61]], end: false }),
    { messageTypeName: 'DISCOVER', hostname: 'cut', vendorClass: null, isComplete: false },
  ],
  [
    'marks options without an end option as incomplete',
    bootp({ options: [option(53, [2])], end: false }),
    { messageTypeName: 'OFFER', isComplete: false },
  ],
  [
    'ignores a message type option of the wrong length',
    bootp({ options: [option(53, [1, 2])] }),
    { messageType: null, messageTypeName: null },
  ],
  ['returns null without the DHCP magic cookie (plain BOOTP)', bootp({ cookie: 0 }), null],
  ['returns null for an op other than request or reply', bootp({ op: 3 }), null],
  ['returns null for a payload shorter than the fixed header', discover.subarray(0, 239), null],
];

describe('decodeDhcp', () => {
  it.each(cases)('%s', (_, payload, expected) => {
    const info = decodeDhcp(payload);
    if (expected === null) expect(info).toBeNull();
    else expect(info).toMatchObject(expected);
  });

  it('never throws on random bytes, random options or truncations', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), (options, cut) => {
        const payload = concat(discover.subarray(0, 240), options);
        expect(() => decodeDhcp(payload)).not.toThrow();
        expect(() => decodeDhcp(discover.subarray(0, cut % (discover.length + 1)))).not.toThrow();
        expect(() => decodeDhcp(options)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});

// A real exchange between ISC dhclient 4.4.3-P1 and dnsmasq 2.90 on a veth pair; see fixtures/README.md.
// Expected values as tshark 4.0.17 dissects the same frames.
const dora = path.join(import.meta.dirname, 'fixtures/dhcp-dora-release-dhclient-dnsmasq.pcap');

describe('decodeDhcp on a recorded dhclient/dnsmasq exchange', () => {
  it('reads DISCOVER, OFFER, REQUEST, ACK and RELEASE as tshark does', () => {
    const infos = readSamplePackets(dora).map(({ packet }) => decodeDhcp(packet.payload));
    const client = { clientMac: '02:00:5e:10:00:01', isComplete: true };
    const requested = [1, 28, 3, 15, 6, 12, 42];
    expect(infos).toMatchObject([
      {
        ...client,
        op: 1,
        messageTypeName: 'DISCOVER',
        hostname: 'yamori-test-client',
        vendorClass: 'yamori-fixture-1.0',
        parameterRequestList: requested,
      },
      {
        ...client,
        op: 2,
        messageTypeName: 'OFFER',
        yourAddr: '192.0.2.67',
        serverId: '192.0.2.1',
        leaseSeconds: 3600,
      },
      {
        ...client,
        op: 1,
        messageTypeName: 'REQUEST',
        requestedAddr: '192.0.2.67',
        serverId: '192.0.2.1',
        parameterRequestList: requested,
      },
      {
        ...client,
        op: 2,
        messageTypeName: 'ACK',
        yourAddr: '192.0.2.67',
        hostname: 'yamori-test-client',
        leaseSeconds: 3600,
      },
      { ...client, op: 1, messageTypeName: 'RELEASE', clientAddr: '192.0.2.67', serverId: '192.0.2.1' },
    ]);
    expect(infos.slice(0, 4).map((i) => i!.transactionId)).toEqual([
      0xf1a54642, 0xf1a54642, 0xf1a54642, 0xf1a54642,
    ]);
  });
});
