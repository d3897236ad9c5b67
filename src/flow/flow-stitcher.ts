import { randomUUID } from 'node:crypto';
import type { FlowEndReason, FlowRecord, OneWayFlow } from '../records/index.js';
import { TcpFlag, protocolName } from '../records/index.js';
import { hashTuple, icmpCounterpart } from './community-id.js';
import { createHomeNetworkMatcher } from './home-network-matcher.js';
import {
  ICMP4_REQUESTS,
  ICMP6_REQUESTS,
  exportEndReasonOf,
  isPureSyn,
  stitchClassOf,
  stitchedStatusOf,
} from './stitch-rules.js';

const TCP = 6;
const ICMP = 1;
const ICMP6 = 58;
const US_PER_S = 1_000_000;

export interface FlowStitcherConfig {
  homeNetworks: readonly string[];
  /** How long a one-way record waits for its reverse direction, and how far apart their times may be. */
  stitchWindowS: number;
  /** One-way records and sample aggregates held at once; past it the oldest is emitted early (`evicted`). */
  maxPendingFlows: number;
  /** Idle and active timeouts for flows assembled from sampled packets (sFlow), as the flow table's. */
  tcpIdleTimeoutS: number;
  udpIdleTimeoutS: number;
  otherIdleTimeoutS: number;
  activeTimeoutS: number;
}

export interface FlowStitcherDeps {
  onFlow: (flow: FlowRecord) => void;
  /** Flow ids; random UUIDs by default (tests pass a counter). */
  newId?: () => string;
}

export interface FlowStitcherStats {
  /** Records and sample aggregates waiting now. */
  pending: number;
  /** Flows made of both directions' records. */
  paired: number;
  /** Flows from a record whose reverse never came within the window. */
  oneSided: number;
  /** Flows from one record that carried both directions (IPFIX biflow, RFC 5103). */
  biflows: number;
  /** Flows assembled from sampled packets. */
  fromSamples: number;
  /** Records or aggregates emitted early to stay within `maxPendingFlows`. */
  evicted: number;
}

export interface FlowStitcher {
  /** Takes one record that arrived at `nowUs` (wall clock, epoch microseconds); may emit flows. */
  add(flow: OneWayFlow, nowUs: number): void;
  /** Emits what waited past the window, and sample aggregates past their timeouts. */
  advance(nowUs: number): void;
  /** Emits everything still held (shutdown). */
  flush(): void;
  stats(): FlowStitcherStats;
}

/** A record waiting for its reverse direction, in arrival order. */
interface Waiting {
  flow: OneWayFlow;
  isKeyForward: boolean;
  arrivedUs: number;
}

/** Sampled packets of one conversation, added up the way the flow table adds packets. */
class SampleAggregate {
  srcPackets = 0;
  srcBytes = 0;
  dstPackets = 0;
  dstBytes = 0;
  srcTcpFlags = 0;
  dstTcpFlags = 0;
  lastSeenAt: number;
  samplingRate: number;
  constructor(
    readonly first: OneWayFlow,
    readonly firstSeenAt: number,
  ) {
    this.lastSeenAt = firstSeenAt;
    this.samplingRate = first.samplingRate;
  }
}

/**
 * Joins one-way flow-export records into bidirectional FlowRecords. A record waits up to the stitch
 * window for the record of the reverse 5-tuple from the same exporter whose times overlap its own
 * (within the window); the pair becomes one flow whose initiator is the TCP side that alone sent a SYN,
 * else the side that started first, else the side with the higher (ephemeral-looking) source port.
 * A record that finds no partner becomes a one-sided flow. Sampled packets (sFlow) are added up per
 * conversation until idle, as the flow table does with packets. Time comes only from the caller.
 */
export function createFlowStitcher(config: FlowStitcherConfig, deps: FlowStitcherDeps): FlowStitcher {
  const home = createHomeNetworkMatcher(config.homeNetworks);
  const newId = deps.newId ?? randomUUID;
  const windowUs = config.stitchWindowS * US_PER_S;
  const activeUs = config.activeTimeoutS * US_PER_S;
  const idleUs = [
    config.tcpIdleTimeoutS * US_PER_S,
    config.udpIdleTimeoutS * US_PER_S,
    config.otherIdleTimeoutS * US_PER_S,
  ];
  // Insertion order is arrival order, so expiry reads from the front and stops at the first young one.
  const waiting = new Map<string, Waiting>();
  // One map per idle timeout, each in order of last activity (an update re-inserts).
  const samples = [
    new Map<string, SampleAggregate>(),
    new Map<string, SampleAggregate>(),
    new Map<string, SampleAggregate>(),
  ];
  const stats: FlowStitcherStats = {
    pending: 0,
    paired: 0,
    oneSided: 0,
    biflows: 0,
    fromSamples: 0,
    evicted: 0,
  };

  function pendingCount(): number {
    return waiting.size + samples[0]!.size + samples[1]!.size + samples[2]!.size;
  }

  function makeRoom(): void {
    if (pendingCount() < config.maxPendingFlows) return;
    stats.evicted++;
    for (const [key, entry] of waiting) {
      waiting.delete(key);
      emitOneSided(entry.flow);
      return;
    }
    let stalest: Map<string, SampleAggregate> | null = null;
    let stalestAt = Infinity;
    for (const map of samples) {
      for (const aggregate of map.values()) {
        if (aggregate.lastSeenAt < stalestAt) {
          stalestAt = aggregate.lastSeenAt;
          stalest = map;
        }
        break;
      }
    }
    if (stalest === null) return;
    for (const [key, aggregate] of stalest) {
      stalest.delete(key);
      emitAggregate(aggregate, 'evicted');
      return;
    }
  }

  function add(flow: OneWayFlow, nowUs: number): void {
    if (flow.isPacketSample) {
      addSample(flow, nowUs);
      return;
    }
    if (flow.reversePackets > 0 || flow.reverseBytes > 0) {
      stats.biflows++;
      deps.onFlow(
        toRecord(
          flow,
          flow.reversePackets,
          flow.reverseBytes,
          flow.reverseTcpFlags,
          flow.firstSeenAt,
          flow.lastSeenAt,
          true,
          flow,
        ),
      );
      return;
    }
    const { key, isKeyForward } = conversationKey(flow);
    const held = waiting.get(key);
    if (held !== undefined) {
      waiting.delete(key);
      if (held.isKeyForward !== isKeyForward && isWithinWindow(held.flow, flow, windowUs)) {
        emitPair(held.flow, flow);
        return;
      }
      // The same direction again (an active-timeout split) or far apart in time: the held one is alone.
      emitOneSided(held.flow);
    }
    makeRoom();
    waiting.set(key, { flow, isKeyForward, arrivedUs: nowUs });
  }

  function addSample(flow: OneWayFlow, nowUs: number): void {
    const { key, isKeyForward } = conversationKey(flow);
    const map = samples[stitchClassOf(flow.ipProto)]!;
    let aggregate = map.get(key);
    if (aggregate !== undefined) {
      map.delete(key);
      if (flow.firstSeenAt - aggregate.firstSeenAt >= activeUs) {
        emitAggregate(aggregate, 'active_timeout');
        aggregate = undefined;
      }
    }
    if (aggregate === undefined) {
      makeRoom();
      aggregate = new SampleAggregate(flow, flow.firstSeenAt);
    }
    const isFromFirst = isKeyForward === conversationKey(aggregate.first).isKeyForward;
    if (isFromFirst) {
      aggregate.srcPackets += flow.packets;
      aggregate.srcBytes += flow.bytes;
      aggregate.srcTcpFlags |= flow.tcpFlags;
    } else {
      aggregate.dstPackets += flow.packets;
      aggregate.dstBytes += flow.bytes;
      aggregate.dstTcpFlags |= flow.tcpFlags;
    }
    aggregate.lastSeenAt = Math.max(aggregate.lastSeenAt, flow.lastSeenAt, nowUs);
    aggregate.samplingRate = Math.max(aggregate.samplingRate, flow.samplingRate);
    map.set(key, aggregate);
  }

  function emitPair(a: OneWayFlow, b: OneWayFlow): void {
    stats.paired++;
    const [initiator, responder] = isInitiator(a, b) ? [a, b] : [b, a];
    deps.onFlow(
      toRecord(
        initiator,
        responder.packets,
        responder.bytes,
        responder.tcpFlags,
        Math.min(a.firstSeenAt, b.firstSeenAt),
        Math.max(a.lastSeenAt, b.lastSeenAt),
        true,
        responder,
      ),
    );
  }

  function emitOneSided(flow: OneWayFlow): void {
    stats.oneSided++;
    deps.onFlow(toRecord(flow, 0, 0, 0, flow.firstSeenAt, flow.lastSeenAt, false, null));
  }

  function emitAggregate(aggregate: SampleAggregate, reason: FlowEndReason): void {
    stats.fromSamples++;
    const first = aggregate.first;
    const record = toRecord(
      { ...first, packets: aggregate.srcPackets, bytes: aggregate.srcBytes, tcpFlags: aggregate.srcTcpFlags },
      aggregate.dstPackets,
      aggregate.dstBytes,
      aggregate.dstTcpFlags,
      aggregate.firstSeenAt,
      aggregate.lastSeenAt,
      aggregate.dstPackets > 0,
      null,
    );
    record.endReason = reason;
    record.samplingRate = Math.max(1, Math.round(aggregate.samplingRate));
    record.countsEstimated = aggregate.samplingRate > 1;
    deps.onFlow(record);
  }

  function toRecord(
    src: OneWayFlow,
    dstPackets: number,
    dstBytes: number,
    dstTcpFlags: number,
    firstSeenAt: number,
    lastSeenAt: number,
    isAnswered: boolean,
    responder: OneWayFlow | null,
  ): FlowRecord {
    const { srcPort, dstPort, isOneWay } = recordPorts(src);
    const rate = Math.max(
      1,
      Math.round(Math.max(src.samplingRate, responder === null ? 1 : responder.samplingRate)),
    );
    return {
      id: newId(),
      protocol: protocolName(src.ipProto),
      ipProto: src.ipProto,
      ipVersion: src.ipVersion,
      srcAddr: src.srcAddr,
      dstAddr: src.dstAddr,
      srcPort,
      dstPort,
      firstSeenAt,
      lastSeenAt,
      srcBytes: src.bytes,
      dstBytes,
      srcPackets: src.packets,
      dstPackets,
      // Flow exports count IP bytes only; payload bytes are not known.
      srcPayloadBytes: 0,
      dstPayloadBytes: 0,
      status: stitchedStatusOf(src.ipProto, src.tcpFlags, dstTcpFlags, isAnswered),
      endReason: exportEndReasonOf(
        src.flowEndReason || (responder === null ? 0 : responder.flowEndReason),
        src.tcpFlags | dstTcpFlags,
      ),
      communityId: hashTuple(src.ipProto, src.srcAddr, src.dstAddr, srcPort, dstPort, isOneWay),
      sensor: src.exporter,
      interface: interfaceOf(src),
      srcMac: src.srcMac,
      dstMac: src.dstMac,
      vlan: src.vlan,
      innerVlan: null,
      direction: home.direction(src.srcAddr, src.dstAddr),
      serverName: null,
      dnsName: null,
      ja3: null,
      ja4: null,
      tlsCertSha1: null,
      tlsVersion: null,
      alpn: null,
      srcTcpFlags: src.tcpFlags,
      dstTcpFlags,
      samplingRate: rate,
      countsEstimated: rate > 1 || src.countsEstimated || (responder?.countsEstimated ?? false),
    };
  }

  function advance(nowUs: number): void {
    for (const [key, entry] of waiting) {
      if (nowUs - entry.arrivedUs < windowUs) break;
      waiting.delete(key);
      emitOneSided(entry.flow);
    }
    for (let i = 0; i < samples.length; i++) {
      const map = samples[i]!;
      for (const [key, aggregate] of map) {
        if (nowUs - aggregate.lastSeenAt < idleUs[i]!) break;
        map.delete(key);
        emitAggregate(aggregate, 'idle_timeout');
      }
    }
  }

  function flush(): void {
    for (const entry of waiting.values()) emitOneSided(entry.flow);
    waiting.clear();
    for (const map of samples) {
      for (const aggregate of map.values()) emitAggregate(aggregate, 'shutdown');
      map.clear();
    }
  }

  return {
    add,
    advance,
    flush,
    stats: () => ({ ...stats, pending: pendingCount() }),
  };
}

/** FlowRecord's ports for ICMP: the type, then the counterpart type of a request/reply pair or the code. */
function recordPorts(flow: OneWayFlow): { srcPort: number; dstPort: number; isOneWay: boolean } {
  if (flow.ipProto !== ICMP && flow.ipProto !== ICMP6) {
    return { srcPort: flow.srcPort, dstPort: flow.dstPort, isOneWay: false };
  }
  const counterpart = icmpCounterpart(flow.ipProto, flow.srcPort);
  return counterpart === -1
    ? { srcPort: flow.srcPort, dstPort: flow.dstPort, isOneWay: true }
    : { srcPort: flow.srcPort, dstPort: counterpart, isOneWay: false };
}

/**
 * The same key for both directions of a conversation at one exporter, and whether `flow` runs the
 * key's way. An ICMP echo request and its reply meet through their counterpart types, as in Community
 * ID; one-way ICMP messages keep their order and never pair.
 */
function conversationKey(flow: OneWayFlow): { key: string; isKeyForward: boolean } {
  const { srcPort, dstPort, isOneWay } = recordPorts(flow);
  const isForward =
    isOneWay || flow.srcAddr < flow.dstAddr || (flow.srcAddr === flow.dstAddr && srcPort <= dstPort);
  const key = isForward
    ? `${flow.ipProto} ${flow.srcAddr} ${srcPort} ${flow.dstAddr} ${dstPort} ${flow.exporter}`
    : `${flow.ipProto} ${flow.dstAddr} ${dstPort} ${flow.srcAddr} ${srcPort} ${flow.exporter}`;
  return { key, isKeyForward: isForward };
}

function isWithinWindow(a: OneWayFlow, b: OneWayFlow, windowUs: number): boolean {
  return a.firstSeenAt <= b.lastSeenAt + windowUs && b.firstSeenAt <= a.lastSeenAt + windowUs;
}

/** Whether `a` (rather than `b`) opened the conversation. */
function isInitiator(a: OneWayFlow, b: OneWayFlow): boolean {
  if (a.ipProto === TCP) {
    const aSyn = (a.tcpFlags & TcpFlag.SYN) !== 0;
    const bSyn = (b.tcpFlags & TcpFlag.SYN) !== 0;
    if (aSyn !== bSyn) return aSyn;
    // Flags are OR-ed over a direction, so both sides usually show SYN and ACK; a side without ACK
    // only ever sent the bare SYN.
    if (isPureSyn(a.tcpFlags) !== isPureSyn(b.tcpFlags)) return isPureSyn(a.tcpFlags);
  }
  if (a.firstSeenAt !== b.firstSeenAt) return a.firstSeenAt < b.firstSeenAt;
  if ((a.ipProto === ICMP || a.ipProto === ICMP6) && a.srcPort !== b.srcPort) {
    // Exporters often give request and reply the same millisecond: the asking type opened it.
    return (a.ipProto === ICMP ? ICMP4_REQUESTS : ICMP6_REQUESTS).has(a.srcPort);
  }
  return a.srcPort >= b.srcPort;
}

/** The initiator's ifIndexes, "in=3,out=5"; null when the exporter gave neither. */
function interfaceOf(flow: OneWayFlow): string | null {
  if (flow.inputInterface === 0 && flow.outputInterface === 0) return null;
  return `in=${flow.inputInterface},out=${flow.outputInterface}`;
}
