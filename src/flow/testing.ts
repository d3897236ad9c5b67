/**
 * Builders for flow tests: packet summaries as the decoder would produce them, a flow table config,
 * and the few application messages the table reads (DNS response, TLS ClientHello, DHCP). Not shipped.
 */
import type { FlowTableConfig } from '../config/index.js';
import type { DecodeResult, PacketSummary } from '../decode/index.js';
import type { DeviceObservation, DnsRecord, FlowRecord } from '../records/index.js';
import { createFlowTable, type FlowTable } from './flow-table.js';

/** The flow table's page of records: how many flows, and their memory (for tests of what it gives back). */
export { PAGE_BYTES, PAGE_SIZE } from './flow-slots.js';

export const S = 1_000_000;

export function testConfig(overrides: Partial<FlowTableConfig> = {}): FlowTableConfig {
  return {
    sensor: 'test-sensor',
    homeNetworks: ['192.168.1.0/24', 'fd00:1::/64'],
    tcpIdleTimeoutS: 300,
    udpIdleTimeoutS: 60,
    otherIdleTimeoutS: 60,
    tcpClosedTimeoutS: 5,
    activeTimeoutS: 1800,
    maxFlows: 1000,
    dnsNameMaxAgeS: 3600,
    ...overrides,
  };
}

/** A flow table whose outputs land in arrays, with ids flow-1, flow-2, … */
export function recordingTable(overrides: Partial<FlowTableConfig> = {}): {
  table: FlowTable;
  flows: FlowRecord[];
  dns: DnsRecord[];
  devices: DeviceObservation[];
} {
  const flows: FlowRecord[] = [];
  const dns: DnsRecord[] = [];
  const devices: DeviceObservation[] = [];
  let next = 0;
  const table = createFlowTable(testConfig(overrides), {
    onFlow: (f) => flows.push(f),
    onDns: (d) => dns.push(d),
    onDevice: (d) => devices.push(d),
    newId: () => `flow-${++next}`,
  });
  return { table, flows, dns, devices };
}

export type PacketFields = Partial<PacketSummary> & Pick<PacketSummary, 'srcAddr' | 'dstAddr'>;

/** A packet summary; unset fields take the decoder's "none" values. `ipBytes` defaults to 40 + payload. */
export function packet(fields: PacketFields): DecodeResult {
  const payload = fields.payload ?? new Uint8Array(0);
  const p: PacketSummary = {
    srcMac: null,
    dstMac: null,
    vlan: null,
    innerVlan: null,
    ipVersion: fields.srcAddr.includes(':') ? 6 : 4,
    ipProto: 6,
    ttl: 64,
    isFragment: false,
    fragmentOffset: 0,
    fragmentId: 0,
    srcPort: 0,
    dstPort: 0,
    icmpType: null,
    icmpCode: null,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpAck: 0,
    payloadLength: payload.length,
    ipBytes: 40 + (fields.payloadLength ?? payload.length),
    ...fields,
    payload,
  };
  return { kind: 'ip', packet: p };
}

/** One side of a TCP conversation, for writing packet sequences briefly. */
export interface Endpoint {
  addr: string;
  port: number;
  mac?: string;
}

export function tcp(
  from: Endpoint,
  to: Endpoint,
  flags: number,
  extra: Partial<PacketSummary> = {},
): DecodeResult {
  return packet({
    srcAddr: from.addr,
    dstAddr: to.addr,
    srcPort: from.port,
    dstPort: to.port,
    srcMac: from.mac ?? null,
    dstMac: to.mac ?? null,
    ipProto: 6,
    tcpFlags: flags,
    ...extra,
  });
}

export function udp(
  from: Endpoint,
  to: Endpoint,
  payload: Uint8Array = new Uint8Array(8),
  extra: Partial<PacketSummary> = {},
): DecodeResult {
  return packet({
    srcAddr: from.addr,
    dstAddr: to.addr,
    srcPort: from.port,
    dstPort: to.port,
    srcMac: from.mac ?? null,
    dstMac: to.mac ?? null,
    ipProto: 17,
    payload,
    ipBytes: 28 + payload.length,
    ...extra,
  });
}

export function icmp(srcAddr: string, dstAddr: string, type: number, code = 0): DecodeResult {
  return packet({
    srcAddr,
    dstAddr,
    ipProto: srcAddr.includes(':') ? 58 : 1,
    icmpType: type,
    icmpCode: code,
    ipBytes: 84,
  });
}

function u16(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

function dnsName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.')) {
    out.push(label.length, ...Buffer.from(label, 'ascii'));
  }
  out.push(0);
  return out;
}

/** A DNS response to an A query for `name` with the given addresses (rcode 3 = NXDOMAIN when empty). */
export function dnsResponse(
  name: string,
  addresses: string[],
  rcode = addresses.length === 0 ? 3 : 0,
): Uint8Array {
  const bytes = [
    ...u16(0x1234),
    ...u16(0x8180 | rcode),
    ...u16(1),
    ...u16(addresses.length),
    ...u16(0),
    ...u16(0),
  ];
  bytes.push(...dnsName(name), ...u16(1), ...u16(1));
  for (const addr of addresses) {
    bytes.push(0xc0, 12, ...u16(1), ...u16(1), ...u32(300), ...u16(4), ...addr.split('.').map(Number));
  }
  return Uint8Array.from(bytes);
}

/** A TLS 1.2 ClientHello record with an SNI extension and one ALPN protocol. */
export function clientHello(serverName: string, alpn = 'h2'): Uint8Array {
  const host = [...Buffer.from(serverName, 'ascii')];
  const sni = [...u16(host.length + 3), 0, ...u16(host.length), ...host];
  const alpnList = [alpn.length, ...Buffer.from(alpn, 'ascii')];
  const extensions = [
    ...u16(0x0000),
    ...u16(sni.length),
    ...sni,
    ...u16(0x0010),
    ...u16(alpnList.length + 2),
    ...u16(alpnList.length),
    ...alpnList,
  ];
  const body = [
    ...u16(0x0303),
    ...new Array<number>(32).fill(7),
    0,
    ...u16(4),
    ...u16(0xc02f),
    ...u16(0x009c),
    1,
    0,
    ...u16(extensions.length),
    ...extensions,
  ];
  const handshake = [1, 0, ...u16(body.length), ...body];
  return Uint8Array.from([0x16, 0x03, 0x01, ...u16(handshake.length), ...handshake]);
}

/** A DHCP message (op 1 request from the client, op 2 reply) with message type, hostname and vendor class options. */
export function dhcpMessage(o: {
  op: 1 | 2;
  messageType: number;
  clientMac: string;
  clientAddr?: string;
  yourAddr?: string;
  hostname?: string;
  vendorClass?: string;
}): Uint8Array {
  const bytes = new Uint8Array(240);
  bytes[0] = o.op;
  bytes[1] = 1;
  bytes[2] = 6;
  bytes.set((o.clientAddr ?? '0.0.0.0').split('.').map(Number), 12);
  bytes.set((o.yourAddr ?? '0.0.0.0').split('.').map(Number), 16);
  bytes.set(
    o.clientMac.split(':').map((h) => parseInt(h, 16)),
    28,
  );
  bytes.set([99, 130, 83, 99], 236);
  const options = [53, 1, o.messageType];
  if (o.hostname !== undefined) options.push(12, o.hostname.length, ...Buffer.from(o.hostname, 'ascii'));
  if (o.vendorClass !== undefined)
    options.push(60, o.vendorClass.length, ...Buffer.from(o.vendorClass, 'ascii'));
  options.push(255);
  return Uint8Array.from([...bytes, ...options]);
}

function u24(value: number): number[] {
  return [(value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** A TLS 1.2 server flight: ServerHello (with ALPN `h2`) then Certificate holding `leafCert`. */
export function serverFlight(leafCert: Uint8Array): Uint8Array {
  const alpn = [...u16(0x0010), ...u16(5), ...u16(3), 2, 0x68, 0x32];
  const hello = [
    ...u16(0x0303),
    ...new Array<number>(32).fill(9),
    0,
    ...u16(0xc02f),
    0,
    ...u16(alpn.length),
    ...alpn,
  ];
  const certs = [...u24(leafCert.length), ...leafCert];
  const certificate = [...u24(certs.length), ...certs];
  const handshake = [2, ...u24(hello.length), ...hello, 11, ...u24(certificate.length), ...certificate];
  return Uint8Array.from([0x16, 0x03, 0x03, ...u16(handshake.length), ...handshake]);
}
