import { randomInt, randomUUID } from 'node:crypto';
import type { FlowTableConfig } from '../config/index.js';
import type { DecodeResult, PacketSummary } from '../decode/index.js';
import type { DeviceObservation, DnsRecord, FlowEndReason, FlowRecord } from '../records/index.js';
import { TcpFlag } from '../records/index.js';
import { hashTuple, icmpCounterpart } from './community-id.js';
import { createDnsNameCache } from './dns-name-cache.js';
import { FlowList } from './flow-list.js';
import { FlowClass, FlowState, applyTcpFlags } from './flow-state.js';
import { createFragmentMap } from './fragment-map.js';
import { FlowIndex, isSrcFirstInKey } from './flow-index.js';
import { createHomeNetworkMatcher, isMulticastOrBroadcast } from './home-network-matcher.js';
import { inspectUdpPayload } from './datagram-inspection.js';
import type { InspectionContext } from './inspection-context.js';
import { inspectTcpPayload } from './stream-inspection.js';

export interface FlowTableDeps {
  onFlow: (flow: FlowRecord) => void;
  onDns?: (record: DnsRecord) => void;
  onDevice?: (observation: DeviceObservation) => void;
  /** Record ids; random UUIDs by default. */
  newId?: () => string;
}

export interface FlowTableStats {
  liveFlows: number;
  /** Records written, for every end reason. */
  emitted: number;
  /** Records written early because `maxFlows` was reached. */
  evicted: number;
  /** Records cut by the active timeout (the conversation went on in a new record). */
  activeTimeouts: number;
  ipPackets: number;
  malformed: number;
  /** ARP and other non-IP frames: valid, but not flows. */
  nonIp: number;
  /** Non-first IP fragments whose first fragment was never seen (or expired): counted, not in any flow. */
  fragmentsWithoutFirst: number;
  fragmentBytesWithoutFirst: number;
  dnsRecords: number;
  deviceObservations: number;
}

export interface FlowTable {
  /** Accounts one decoded packet. `timestampUs` is the packet's capture time. */
  add(timestampUs: number, decoded: DecodeResult, interfaceName: string | null): void;
  /**
   * Emits every flow whose idle (or closed) timeout has passed at `nowUs`. Call it periodically with
   * the latest packet time (import) or the wall clock (live); the table itself never reads a clock.
   */
  advance(nowUs: number): void;
  /**
   * Emits live flows with end reason `shutdown`: all of them, or at most `maxRecords` so that a
   * caller can write a million flows in batches rather than hold a million records at once. Returns
   * true once the table is empty.
   */
  flush(reason: 'shutdown', maxRecords?: number): boolean;
  stats(): FlowTableStats;
}

const US_PER_S = 1_000_000;
const ICMP = 1;
const ICMP6 = 58;
const TCP = 6;
const UDP = 17;

/**
 * Creates a flow table: decoded packets in, bidirectional flow records out (see `FlowRecord`).
 * Time comes only from packet timestamps and `advance()`; memory stays within `maxFlows` flows plus
 * small bounded caches (fragments, DNS names, capped payload buffers).
 */
export function createFlowTable(config: FlowTableConfig, deps: FlowTableDeps): FlowTable {
  const home = createHomeNetworkMatcher(config.homeNetworks);
  const newId = deps.newId ?? randomUUID;
  const { onFlow, onDns, onDevice } = deps;
  const sensor = config.sensor;
  const timeoutsUs = [
    config.tcpIdleTimeoutS * US_PER_S,
    config.udpIdleTimeoutS * US_PER_S,
    config.otherIdleTimeoutS * US_PER_S,
    config.tcpClosedTimeoutS * US_PER_S,
  ];
  const activeTimeoutUs = config.activeTimeoutS * US_PER_S;
  const maxFlows = Math.max(1, config.maxFlows);

  const flows = new FlowIndex(randomInt(0x7fffffff));
  const lists = [
    new FlowList<FlowState>(),
    new FlowList<FlowState>(),
    new FlowList<FlowState>(),
    new FlowList<FlowState>(),
  ];
  const fragments = createFragmentMap();
  const names = createDnsNameCache(config.dnsNameMaxAgeS * US_PER_S);
  const stats: FlowTableStats = {
    liveFlows: 0,
    emitted: 0,
    evicted: 0,
    activeTimeouts: 0,
    ipPackets: 0,
    malformed: 0,
    nonIp: 0,
    fragmentsWithoutFirst: 0,
    fragmentBytesWithoutFirst: 0,
    dnsRecords: 0,
    deviceObservations: 0,
  };
  const inspection: InspectionContext = {
    sensor,
    onDns: (record) => {
      stats.dnsRecords++;
      onDns?.(record);
    },
    onDevice: (observation) => {
      stats.deviceObservations++;
      onDevice?.(observation);
    },
    rememberName: (clientAddr, answerAddr, name, seenAtUs) =>
      names.remember(clientAddr, answerAddr, name, seenAtUs),
  };

  function listOf(flow: FlowState): FlowList<FlowState> {
    return lists[flow.flowClass]!;
  }

  function isExpired(flow: FlowState, nowUs: number): boolean {
    return nowUs - flow.lastSeenUs >= timeoutsUs[flow.flowClass]!;
  }

  function expiryReason(flow: FlowState): FlowEndReason {
    return flow.flowClass === FlowClass.CLOSED ? (flow.closeReason ?? 'fin') : 'idle_timeout';
  }

  // Community ID is worked out per record rather than kept per flow: a flow emits once or, with
  // active timeouts, a handful of times, and the string would otherwise sit in every live flow.
  function emitRecord(flow: FlowState, reason: FlowEndReason): void {
    const communityId = hashTuple(
      flow.ipProto,
      flow.srcAddr,
      flow.dstAddr,
      flow.srcPort,
      flow.dstPort,
      flow.isOneWay,
    );
    stats.emitted++;
    onFlow(flow.toRecord(newId(), reason, sensor, communityId));
    if (onDevice !== undefined) observeDevices(flow);
  }

  function removeFlow(flow: FlowState, reason: FlowEndReason): void {
    listOf(flow).remove(flow);
    flows.remove(flow);
    flow.isRemoved = true;
    flow.inspection = null;
    emitRecord(flow, reason);
  }

  // Device facts are gathered per flow, not per packet: one observation per home endpoint per record.
  function observeDevices(flow: FlowState): void {
    const seenAt = flow.lastSeenUs;
    if (flow.srcPackets > 0 && flow.srcMac !== null && flow.isSrcHome) {
      inspection.onDevice({
        mac: flow.srcMac,
        addr: flow.srcAddr,
        seenAt,
        hostname: null,
        vendorClass: null,
        service: null,
        sensor,
      });
    }
    if (flow.dstPackets > 0 && flow.dstMac !== null && !flow.isMulticastDst && flow.isDstHome) {
      const answered = flow.ipProto === TCP ? flow.responderSyn : flow.ipProto === UDP;
      const service = answered
        ? { port: flow.dstPort, protocol: flow.ipProto === TCP ? 'tcp' : 'udp' }
        : null;
      inspection.onDevice({
        mac: flow.dstMac,
        addr: flow.dstAddr,
        seenAt,
        hostname: null,
        vendorClass: null,
        service,
        sensor,
      });
    }
  }

  function evictOldest(): void {
    let oldest: FlowState | null = null;
    for (const list of lists) {
      const head = list.head;
      if (head !== null && (oldest === null || head.lastSeenUs < oldest.lastSeenUs)) oldest = head;
    }
    if (oldest === null) return;
    stats.evicted++;
    removeFlow(oldest, 'evicted');
  }

  function createFlow(
    hash: number,
    p: PacketSummary,
    srcPort: number,
    dstPort: number,
    isOneWay: boolean,
    iface: string | null,
    ts: number,
  ): FlowState {
    if (flows.size >= maxFlows) evictOldest();
    const flip = shouldFlip(p, srcPort, dstPort);
    const srcAddr = flip ? p.dstAddr : p.srcAddr;
    const dstAddr = flip ? p.srcAddr : p.dstAddr;
    const flow = new FlowState(
      p.ipProto,
      p.ipVersion,
      srcAddr,
      dstAddr,
      flip ? dstPort : srcPort,
      flip ? srcPort : dstPort,
      isOneWay,
      isSrcFirstInKey(srcAddr, flip ? dstPort : srcPort, dstAddr, flip ? srcPort : dstPort, isOneWay),
      p.vlan,
      p.innerVlan,
      iface,
      flip ? p.dstMac : p.srcMac,
      flip ? p.srcMac : p.dstMac,
      home.isHome(srcAddr),
      home.isHome(dstAddr),
      isMulticastOrBroadcast(dstAddr),
      ts,
    );
    if (p.ipProto === TCP && (p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN)
      flow.startedWithSyn = true;
    flow.dnsName = names.lookup(srcAddr, dstAddr, ts);
    flow.hash = hash;
    flows.insert(flow);
    lists[flow.flowClass]!.append(flow);
    return flow;
  }

  function add(timestampUs: number, decoded: DecodeResult, interfaceName: string | null): void {
    if (decoded.kind !== 'ip') {
      if (decoded.kind === 'malformed') stats.malformed++;
      else stats.nonIp++;
      return;
    }
    const p = decoded.packet;
    stats.ipPackets++;
    if (p.fragmentOffset > 0) {
      addLaterFragment(timestampUs, p);
      return;
    }
    let srcPort = p.srcPort;
    let dstPort = p.dstPort;
    let isOneWay = false;
    if ((p.ipProto === ICMP || p.ipProto === ICMP6) && p.icmpType !== null) {
      srcPort = p.icmpType;
      const counterpart = icmpCounterpart(p.ipProto, srcPort);
      isOneWay = counterpart === -1;
      dstPort = isOneWay ? (p.icmpCode ?? 0) : counterpart;
    }
    const srcFirst = isSrcFirstInKey(p.srcAddr, srcPort, p.dstAddr, dstPort, isOneWay);
    const a = srcFirst ? p.srcAddr : p.dstAddr;
    const b = srcFirst ? p.dstAddr : p.srcAddr;
    const portA = srcFirst ? srcPort : dstPort;
    const portB = srcFirst ? dstPort : srcPort;
    const hash = flows.hash(p.ipProto, p.vlan, p.innerVlan, a, portA, b, portB);
    let flow = flows.find(hash, p.ipProto, p.vlan, p.innerVlan, a, portA, b, portB, isOneWay);
    if (flow !== null) {
      const isNewSyn = p.ipProto === TCP && (p.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
      if (isExpired(flow, timestampUs) || (isNewSyn && flow.flowClass === FlowClass.CLOSED)) {
        removeFlow(flow, expiryReason(flow));
        flow = null;
      } else if (timestampUs - flow.firstSeenUs >= activeTimeoutUs) {
        stats.activeTimeouts++;
        emitRecord(flow, 'active_timeout');
        flow.resetCounters(timestampUs);
      }
    }
    flow ??= createFlow(hash, p, srcPort, dstPort, isOneWay, interfaceName, timestampUs);
    // Same address and port on both ends (a host talking to itself) counts as the initiator's side.
    const fromSrc = p.srcAddr === flow.srcAddr && srcPort === flow.srcPort;
    account(flow, fromSrc, p.ipBytes, p.payloadLength, timestampUs);
    if (p.isFragment) fragments.remember(p, flow, fromSrc, timestampUs);

    if (p.ipProto === TCP) {
      if (applyTcpFlags(flow, fromSrc, p.tcpFlags, p.payloadLength)) {
        listOf(flow).remove(flow);
        flow.flowClass = FlowClass.CLOSED;
        lists[FlowClass.CLOSED]!.append(flow);
      }
      if (!flow.inspectionDone) inspectTcpPayload(flow, fromSrc, p, timestampUs, inspection);
    } else if (p.ipProto === UDP && p.payload.length > 0 && !p.isFragment) {
      inspectUdpPayload(p, timestampUs, inspection);
    }
  }

  function account(
    flow: FlowState,
    fromSrc: boolean,
    ipBytes: number,
    payloadLength: number,
    timestampUs: number,
  ): void {
    if (fromSrc) {
      flow.srcPackets++;
      flow.srcBytes += ipBytes;
      flow.srcPayloadBytes += payloadLength;
    } else {
      flow.dstPackets++;
      flow.dstBytes += ipBytes;
      flow.dstPayloadBytes += payloadLength;
      flow.responderSent = true;
    }
    if (timestampUs > flow.lastSeenUs) flow.lastSeenUs = timestampUs;
    else if (timestampUs < flow.firstSeenUs) flow.firstSeenUs = timestampUs;
    listOf(flow).moveToTail(flow);
  }

  // A later fragment has no ports: it belongs to whichever flow its first fragment went to.
  // A later fragment has no ports: it belongs to whichever flow its first fragment went to. Its
  // payload is not counted again: the first fragment's UDP/TCP length already covered the datagram.
  function addLaterFragment(timestampUs: number, p: PacketSummary): void {
    const first = fragments.find(p, timestampUs);
    const flow = first?.flow;
    if (first === null || flow === undefined || flow.isRemoved) {
      stats.fragmentsWithoutFirst++;
      stats.fragmentBytesWithoutFirst += p.ipBytes;
      return;
    }
    account(flow, first.fromSrc, p.ipBytes, 0, timestampUs);
  }

  function advance(nowUs: number): void {
    for (const list of lists) {
      let head = list.head;
      while (head !== null && isExpired(head, nowUs)) {
        removeFlow(head, expiryReason(head));
        head = list.head;
      }
    }
    fragments.expire(nowUs);
    names.expire(nowUs);
  }

  function flush(reason: 'shutdown', maxRecords = Infinity): boolean {
    let left = maxRecords;
    for (const list of lists) {
      while (list.head !== null) {
        if (left-- <= 0) return false;
        removeFlow(list.head, reason);
      }
    }
    fragments.clear();
    return true;
  }

  return { add, advance, flush, stats: () => ({ ...stats, liveFlows: flows.size }) };
}

/**
 * Whether the first packet's receiver is the real initiator. A SYN-ACK comes from the responder. A
 * TCP packet without SYN or a UDP datagram from a well-known port (< 1024) to an ephemeral one is
 * most likely a server's reply whose request was not captured (Zeek's likely-server-port guess,
 * with "well-known" standing in for Zeek's per-analyser port list). Never towards a group address.
 */
function shouldFlip(p: PacketSummary, srcPort: number, dstPort: number): boolean {
  if (p.ipProto === TCP) {
    if ((p.tcpFlags & TcpFlag.SYN) !== 0) return (p.tcpFlags & TcpFlag.ACK) !== 0;
  } else if (p.ipProto !== UDP) {
    return false;
  }
  return srcPort < 1024 && dstPort >= 1024 && !isMulticastOrBroadcast(p.dstAddr);
}
