import { describe, expect, it } from 'vitest';
import { decodeFrame, DecodedFrame, LinkType } from '../decode/index.js';
import { ipv4Packet, ipv6Packet, udpDatagram } from '../decode/testing.js';
import { readAddressWords } from './address-words.js';
import { FlowBit } from './flow-state.js';
import { AddressPool, srcAt } from './address-pool.js';
import { I_BITS, I_DST_ADDR, I_META, I_PORTS, I_SRC_ADDR, I_V6_ENTRY, I_VLANS } from './flow-slots.js';
import { Match, PacketKey } from './packet-key.js';

interface Tuple {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol?: number;
}

function frameOf(t: Tuple): DecodedFrame {
  const isV6 = t.src.includes(':');
  const datagram = udpDatagram({ srcPort: t.srcPort, dstPort: t.dstPort }, []);
  const bytes = isV6
    ? ipv6Packet({ src: t.src, dst: t.dst, nextHeader: t.protocol ?? 17 }, datagram)
    : ipv4Packet({ src: t.src, dst: t.dst, protocol: t.protocol ?? 17 }, datagram);
  const f = new DecodedFrame();
  decodeFrame(f, LinkType.RAW, bytes, 0, bytes.length);
  return f;
}

function keyOf(t: Tuple, seed = 1): PacketKey {
  const key = new PacketKey(seed);
  key.load(frameOf(t), t.srcPort, t.dstPort, false);
  return key;
}

/** Where the records made by `recordOf` keep IPv6 addresses. */
const v6 = new AddressPool();

/** A flow record holding `t` as src → dst, the way the table writes one. */
function recordOf(t: Tuple, extraBits = 0, vlans = 0): Int32Array {
  const f = frameOf(t);
  const isV6 = f.ipVersion === 6;
  const record = new Int32Array(32);
  if (isV6) {
    const entry = v6.allocate();
    record[I_V6_ENTRY] = entry;
    readAddressWords(f.bytes, f.srcAddrAt, true, v6.words(entry), srcAt(entry));
    readAddressWords(f.bytes, f.dstAddrAt, true, v6.words(entry), srcAt(entry) + 4);
  } else {
    readAddressWords(f.bytes, f.srcAddrAt, false, record, I_SRC_ADDR);
    readAddressWords(f.bytes, f.dstAddrAt, false, record, I_DST_ADDR);
  }
  record[I_PORTS] = (t.srcPort << 16) | t.dstPort;
  record[I_META] = t.protocol ?? 17;
  record[I_VLANS] = vlans;
  record[I_BITS] = (isV6 ? FlowBit.IS_IPV6 : 0) | extraBits;
  return record;
}

const flow: Tuple = { src: '192.168.1.10', dst: '8.8.8.8', srcPort: 40000, dstPort: 53 };
const reply: Tuple = { src: '8.8.8.8', dst: '192.168.1.10', srcPort: 53, dstPort: 40000 };

describe('PacketKey', () => {
  it('hashes both directions of a conversation alike, and other conversations differently', () => {
    expect(keyOf(reply).hash).toBe(keyOf(flow).hash);
    expect(keyOf({ ...flow, srcPort: 40001 }).hash).not.toBe(keyOf(flow).hash);
    expect(keyOf({ ...flow, protocol: 6 }).hash).not.toBe(keyOf(flow).hash);
    const v6 = { src: 'fd00:1::10', dst: '2001:db8::1', srcPort: 40000, dstPort: 53 };
    expect(keyOf({ ...v6, src: v6.dst, dst: v6.src, srcPort: 53, dstPort: 40000 }).hash).toBe(keyOf(v6).hash);
  });

  it('depends on its seed, so crafted tuples cannot be aimed at one probe sequence', () => {
    expect(keyOf(flow, 1).hash).not.toBe(keyOf(flow, 2).hash);
  });

  it('says from which side a packet of the flow comes', () => {
    const record = recordOf(flow);
    expect(keyOf(flow).matchFlow(record, 0, v6)).toBe(Match.FROM_SRC);
    expect(keyOf(reply).matchFlow(record, 0, v6)).toBe(Match.FROM_DST);
  });

  it('tells apart tuples that differ only in protocol, VLAN, IP version or one-way-ness', () => {
    expect(keyOf({ ...flow, protocol: 6 }).matchFlow(recordOf(flow), 0, v6)).toBe(Match.NONE);
    expect(keyOf(flow).matchFlow(recordOf(flow, 0, 5 + 1), 0, v6)).toBe(Match.NONE);
    expect(keyOf(flow).matchFlow(recordOf(flow, FlowBit.IS_ONE_WAY), 0, v6)).toBe(Match.NONE);
    // ::c0a8:10a and 192.168.1.10 share their last word; the version keeps them apart.
    const mapped = { ...flow, src: '::c0a8:10a', dst: '::808:808' };
    expect(keyOf(mapped).matchFlow(recordOf(flow), 0, v6)).toBe(Match.NONE);
  });

  it('matches a one-way flow in its own direction only', () => {
    const record = recordOf(flow, FlowBit.IS_ONE_WAY);
    const forward = new PacketKey(1);
    forward.load(frameOf(flow), flow.srcPort, flow.dstPort, true);
    const backward = new PacketKey(1);
    backward.load(frameOf(reply), reply.srcPort, reply.dstPort, true);
    expect(forward.matchFlow(record, 0, v6)).toBe(Match.FROM_SRC);
    expect(backward.matchFlow(record, 0, v6)).toBe(Match.NONE);
  });

  it('needs both ports to line up in the same direction', () => {
    const crossed = { ...flow, srcPort: 53, dstPort: 40000 };
    expect(keyOf(crossed).matchFlow(recordOf(flow), 0, v6)).toBe(Match.NONE);
  });

  it('counts a host talking to itself on one port as the src side', () => {
    const self = { src: '192.168.1.10', dst: '192.168.1.10', srcPort: 5353, dstPort: 5353 };
    expect(keyOf(self).matchFlow(recordOf(self), 0, v6)).toBe(Match.FROM_SRC);
  });

  it("compares an IPv6 flow's addresses, kept out of its record, word by word", () => {
    const v6flow = { src: 'fd00:1::10', dst: '2001:db8::1', srcPort: 40000, dstPort: 53 };
    const v6reply = { src: v6flow.dst, dst: v6flow.src, srcPort: 53, dstPort: 40000 };
    const record = recordOf(v6flow);
    expect(keyOf(v6flow).matchFlow(record, 0, v6)).toBe(Match.FROM_SRC);
    expect(keyOf(v6reply).matchFlow(record, 0, v6)).toBe(Match.FROM_DST);
    // Differs in one word only: the third of the src, then the last of the dst.
    expect(keyOf({ ...v6flow, src: 'fd00:1::1:0:10' }).matchFlow(record, 0, v6)).toBe(Match.NONE);
    expect(keyOf({ ...v6flow, dst: '2001:db8::2' }).matchFlow(record, 0, v6)).toBe(Match.NONE);
    // Another flow's entry beside it leaves this one's words as they were.
    recordOf({ ...v6flow, src: 'fd00:1::11' });
    expect(keyOf(v6flow).matchFlow(record, 0, v6)).toBe(Match.FROM_SRC);
  });
});
