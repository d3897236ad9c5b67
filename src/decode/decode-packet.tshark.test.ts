/**
 * Cross-check against Wireshark: every frame of the shared sample captures is decoded here and by
 * tshark, and the addresses, protocol, ports, ICMP type/code, MACs and VLAN ids must agree.
 * Skipped where tshark or ../shared is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePacket } from './decode-packet.js';
import type { DecodeResult } from './packet.js';

const pcapRoot = path.resolve(process.cwd(), '../shared/pcaps');
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

interface Frame {
  linkType: number;
  data: Uint8Array;
}

/**
 * Splits a classic pcap or a pcapng file into frames: just enough to feed the decoder (capture/
 * has the real reader, which decode/ may not import). pcapng: interface descriptions give each
 * interface's link type, enhanced packet blocks the frames; other blocks are skipped.
 */
function readFrames(bytes: Uint8Array): Frame[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Frame[] = [];
  if (view.getUint32(0, true) === 0x0a0d0d0a) {
    let little = true;
    let linkTypes: number[] = [];
    for (let at = 0; at + 12 <= bytes.length;) {
      if (view.getUint32(at, true) === 0x0a0d0d0a) {
        little = view.getUint32(at + 8, true) === 0x1a2b3c4d;
        linkTypes = [];
      }
      const type = view.getUint32(at, little);
      const length = view.getUint32(at + 4, little);
      if (type === 1) linkTypes.push(view.getUint16(at + 8, little));
      if (type === 6) {
        const captured = view.getUint32(at + 20, little);
        const linkType = linkTypes[view.getUint32(at + 8, little)] ?? -1;
        frames.push({ linkType, data: bytes.subarray(at + 28, at + 28 + captured) });
      }
      at += length;
    }
    return frames;
  }
  const magic = view.getUint32(0, true);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const linkType = view.getUint32(20, little) & 0xffff;
  for (let at = 24; at + 16 <= bytes.length;) {
    const captured = view.getUint32(at + 8, little);
    frames.push({ linkType, data: bytes.subarray(at + 16, at + 16 + captured) });
    at += 16 + captured;
  }
  return frames;
}

const FIELDS = [
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'sctp.srcport',
  'sctp.dstport',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  'eth.src',
  'eth.dst',
  'sll.src.eth',
  'ieee8021ad.id',
  'vlan.id',
  'arp.src.proto_ipv4',
  'arp.dst.proto_ipv4',
] as const;
type Field = (typeof FIELDS)[number];

/** tshark's view of each frame: every occurrence of each field, outermost first. */
function tsharkFrames(file: string): Array<Record<Field, string[]>> {
  const args = ['-r', file, '-n', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  args.push('-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE');
  for (const field of FIELDS) args.push('-e', field);
  const out = execFileSync('tshark', args, {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const values = line.split('\t');
      return Object.fromEntries(
        FIELDS.map((field, i) => [field, values[i] ? values[i].split('|') : []]),
      ) as Record<Field, string[]>;
    });
}

const TRANSPORTS: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58 };
const IPV6_EXTENSIONS = new Set(['ipv6.hopopts', 'ipv6.routing', 'ipv6.fraghdr', 'ipv6.dstopts', 'ah']);

/** What our decoder should report for a frame, in the same shape as `actual` below. */
function expected(t: Record<Field, string[]>): Record<string, unknown> {
  const layers = t['frame.protocols'][0]!.split(':');
  const ipLayer = layers.findIndex((layer) => layer === 'ip' || layer === 'ipv6');
  if (ipLayer < 0) {
    if (layers.includes('arp')) {
      return { kind: 'arp', senderAddr: t['arp.src.proto_ipv4'][0], targetAddr: t['arp.dst.proto_ipv4'][0] };
    }
    return { kind: 'not ip' };
  }
  const isV4 = layers[ipLayer] === 'ip';
  // Wireshark names an 802.1ad S-tag ieee8021ad and a C-tag vlan; the S-tag is the outer one.
  const vlanIds = [...t['ieee8021ad.id'], ...t['vlan.id']].map(Number);
  const facts: Record<string, unknown> = {
    kind: 'ip',
    srcAddr: isV4 ? t['ip.src'][0] : t['ipv6.src'][0],
    dstAddr: isV4 ? t['ip.dst'][0] : t['ipv6.dst'][0],
    srcMac: t['eth.src'][0] ?? t['sll.src.eth'][0] ?? null,
    dstMac: t['eth.dst'][0] ?? null,
    vlan: vlanIds[0] ?? null,
    innerVlan: vlanIds[1] ?? null,
  };
  const transport = layers.slice(ipLayer + 1).find((layer) => !IPV6_EXTENSIONS.has(layer)) ?? '';
  const proto = TRANSPORTS[transport];
  if (proto === undefined) return facts;
  facts.ipProto = proto;
  if (transport === 'icmp' || transport === 'icmpv6') {
    facts.icmpType = Number(t[`${transport}.type`][0]);
    facts.icmpCode = Number(t[`${transport}.code`][0]);
  } else {
    const name = transport as 'tcp' | 'udp' | 'sctp';
    facts.srcPort = Number(t[`${name}.srcport`][0]);
    facts.dstPort = Number(t[`${name}.dstport`][0]);
  }
  return facts;
}

function actual(result: DecodeResult, want: Record<string, unknown>): Record<string, unknown> {
  if (result.kind === 'arp')
    return { kind: 'arp', senderAddr: result.arp.senderAddr, targetAddr: result.arp.targetAddr };
  if (result.kind !== 'ip') return { kind: 'not ip' };
  const picked: Record<string, unknown> = { kind: 'ip' };
  const packet = result.packet as unknown as Record<string, unknown>;
  for (const key of Object.keys(want)) if (key !== 'kind') picked[key] = packet[key];
  return picked;
}

function sampleFiles(): string[] {
  if (!existsSync(pcapRoot)) return [];
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.pcap(ng)?$/.test(entry.name)) files.push(full);
    }
  };
  walk(pcapRoot);
  return files.sort();
}

const files = sampleFiles();

describe.skipIf(!hasTshark || files.length === 0)(
  'decodePacket agrees with tshark on the shared sample captures (needs tshark and ../shared/pcaps)',
  () => {
    it('finds the two captures the brief names among the samples', () => {
      expect(files).toContain(path.join(pcapRoot, 'samples/tcpreplay_test.pcap'));
      expect(files).toContain(path.join(pcapRoot, 'zeek/wikipedia/wikipedia.pcap'));
    });

    it.each(files.map((file) => [path.relative(pcapRoot, file), file]))(
      'matches every frame of %s',
      (_name, file) => {
        const frames = readFrames(new Uint8Array(readFileSync(file)));
        const reference = tsharkFrames(file);
        expect(frames.length).toBe(reference.length);
        const mismatches: string[] = [];
        frames.forEach((frame, i) => {
          const want = expected(reference[i]!);
          const result = decodePacket(frame.linkType, frame.data);
          const got = actual(result, want);
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            mismatches.push(
              `frame ${i + 1}: tshark ${JSON.stringify(want)}, ours ${JSON.stringify(result.kind === 'ip' ? got : result)}`,
            );
          }
        });
        expect(mismatches).toEqual([]);
      },
    );
  },
);
