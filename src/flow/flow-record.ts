import { formatMac } from '../decode/index.js';
import type { DeviceObservation, FlowEndReason, FlowRecord } from '../records/index.js';
import { protocolName } from '../records/index.js';
import { formatAddressWords } from './address-words.js';
import { hashTupleWords } from './community-id.js';
import { FlowBit, flowStatus, type FlowExtras } from './flow-state.js';
import {
  F_DST_BYTES,
  F_DST_PACKETS,
  F_DST_PAYLOAD,
  F_FIRST_SEEN,
  F_LAST_SEEN,
  F_SRC_BYTES,
  F_SRC_PACKETS,
  F_SRC_PAYLOAD,
  I_BITS,
  I_META,
  I_PORTS,
  I_TCP_FLAGS,
  I_VLANS,
  f64Base,
  i32Base,
  dstAddressAt,
  macBase,
  type FlowSlots,
} from './flow-slots.js';
import { flowDirection } from './home-network-matcher.js';

const TCP = 6;
const UDP = 17;

/**
 * Writes flow records and device observations out of the table's storage: this is where a flow's
 * numbers become text (addresses, MACs, Community ID), once per record rather than per packet.
 */
export class FlowRecordWriter {
  constructor(
    private readonly slots: FlowSlots,
    private readonly extras: ReadonlyMap<number, FlowExtras>,
    private readonly interfaceNames: readonly (string | null)[],
    private readonly sensor: string,
  ) {}

  record(flowId: number, id: string, endReason: FlowEndReason): FlowRecord {
    const page = this.slots.page(flowId);
    const f = page.f64;
    const w = page.i32;
    const fb = f64Base(flowId);
    const wb = i32Base(flowId);
    const bits = w[wb + I_BITS]!;
    const meta = w[wb + I_META]!;
    const ipProto = meta & 0xff;
    const isV6 = (bits & FlowBit.IS_IPV6) !== 0;
    const ports = w[wb + I_PORTS]!;
    const srcPort = ports >>> 16;
    const dstPort = ports & 0xffff;
    const vlans = w[wb + I_VLANS]!;
    const tcpFlags = w[wb + I_TCP_FLAGS]!;
    const extras = this.extras.get(flowId);
    const mac = macBase(flowId);
    const addresses = this.slots.addresses(flowId, isV6);
    const srcAddrAt = this.slots.srcAddressAt(flowId, isV6);
    const dstAddrAt = dstAddressAt(srcAddrAt, isV6);
    return {
      id,
      protocol: protocolName(ipProto),
      ipProto,
      ipVersion: isV6 ? 6 : 4,
      srcAddr: formatAddressWords(addresses, srcAddrAt, isV6),
      dstAddr: formatAddressWords(addresses, dstAddrAt, isV6),
      srcPort,
      dstPort,
      firstSeenAt: f[fb + F_FIRST_SEEN]!,
      lastSeenAt: f[fb + F_LAST_SEEN]!,
      srcBytes: f[fb + F_SRC_BYTES]!,
      dstBytes: f[fb + F_DST_BYTES]!,
      srcPackets: f[fb + F_SRC_PACKETS]!,
      dstPackets: f[fb + F_DST_PACKETS]!,
      srcPayloadBytes: f[fb + F_SRC_PAYLOAD]!,
      dstPayloadBytes: f[fb + F_DST_PAYLOAD]!,
      status: flowStatus(ipProto, bits),
      endReason,
      // Worked out per record rather than kept per flow: a flow is written once or, with active
      // timeouts, a handful of times, and the text would otherwise sit in every live flow.
      communityId: hashTupleWords(
        ipProto,
        addresses,
        srcAddrAt,
        dstAddrAt,
        isV6,
        srcPort,
        dstPort,
        (bits & FlowBit.IS_ONE_WAY) !== 0,
      ),
      sensor: this.sensor,
      interface: this.interfaceNames[meta >>> 16] ?? null,
      srcMac: (bits & FlowBit.HAS_SRC_MAC) !== 0 ? formatMac(page.macs, mac) : null,
      dstMac: (bits & FlowBit.HAS_DST_MAC) !== 0 ? formatMac(page.macs, mac + 6) : null,
      vlan: (vlans & 0xffff) === 0 ? null : (vlans & 0xffff) - 1,
      innerVlan: vlans >>> 16 === 0 ? null : (vlans >>> 16) - 1,
      direction: flowDirection(
        (bits & FlowBit.IS_SRC_HOME) !== 0,
        (bits & FlowBit.IS_DST_HOME) !== 0,
        (bits & FlowBit.IS_MULTICAST_DST) !== 0,
      ),
      serverName: extras === undefined ? null : extras.serverName,
      dnsName: extras === undefined ? null : extras.dnsName,
      ja3: extras === undefined ? null : extras.ja3,
      ja4: extras === undefined ? null : extras.ja4,
      tlsCertSha1: extras === undefined ? null : extras.tlsCertSha1,
      tlsVersion: extras === undefined ? null : extras.tlsVersion,
      alpn: extras === undefined ? null : extras.alpn,
      srcTcpFlags: tcpFlags & 0xff,
      dstTcpFlags: (tcpFlags >>> 8) & 0xff,
    };
  }

  /**
   * Device facts are gathered per flow, not per packet: one observation per home endpoint per record,
   * handed to `observe`.
   */
  observeDevices(flowId: number, observe: (observation: DeviceObservation) => void): void {
    const page = this.slots.page(flowId);
    const f = page.f64;
    const w = page.i32;
    const fb = f64Base(flowId);
    const wb = i32Base(flowId);
    const bits = w[wb + I_BITS]!;
    const isV6 = (bits & FlowBit.IS_IPV6) !== 0;
    const seenAt = f[fb + F_LAST_SEEN]!;
    const mac = macBase(flowId);
    if (
      f[fb + F_SRC_PACKETS]! > 0 &&
      (bits & FlowBit.HAS_SRC_MAC) !== 0 &&
      (bits & FlowBit.IS_SRC_HOME) !== 0
    ) {
      observe({
        mac: formatMac(page.macs, mac),
        addr: formatAddressWords(
          this.slots.addresses(flowId, isV6),
          this.slots.srcAddressAt(flowId, isV6),
          isV6,
        ),
        seenAt,
        hostname: null,
        vendorClass: null,
        service: null,
        sensor: this.sensor,
      });
    }
    if (
      f[fb + F_DST_PACKETS]! > 0 &&
      (bits & FlowBit.HAS_DST_MAC) !== 0 &&
      (bits & FlowBit.IS_MULTICAST_DST) === 0 &&
      (bits & FlowBit.IS_DST_HOME) !== 0
    ) {
      const ipProto = w[wb + I_META]! & 0xff;
      const answered = ipProto === TCP ? (bits & FlowBit.RESPONDER_SYN) !== 0 : ipProto === UDP;
      const service = answered
        ? { port: w[wb + I_PORTS]! & 0xffff, protocol: ipProto === TCP ? 'tcp' : 'udp' }
        : null;
      observe({
        mac: formatMac(page.macs, mac + 6),
        addr: formatAddressWords(
          this.slots.addresses(flowId, isV6),
          dstAddressAt(this.slots.srcAddressAt(flowId, isV6), isV6),
          isV6,
        ),
        seenAt,
        hostname: null,
        vendorClass: null,
        service,
        sensor: this.sensor,
      });
    }
  }
}
