/**
 * The decoder thread's stitcher: flow/'s createFlowStitcher, record for record and flow for flow (a
 * test holds the two to the same output), but without an object or a string per record. One-way
 * records arrive as capture/'s reused OneWayRow and are copied into a pool of typed-array slots; a
 * waiting record is found through an open-addressing table keyed by numbers (the conversation's
 * addresses as words, ports, protocol, exporter); flows are written straight into a FlowBatchBuilder.
 * Sampled packets (sFlow), rare beside NetFlow/IPFIX records, are added up as flow/ does, keyed by text.
 */
import { randomUUID } from 'node:crypto';
import { OneWayRow } from '../capture/index.js';
import {
  createHomeNetworkMatcher,
  exportEndReasonOf,
  flowDirection,
  hashTupleWords,
  ICMP4_REQUESTS,
  ICMP6_REQUESTS,
  icmpCounterpart,
  isMulticastOrBroadcastWords,
  isPureSyn,
  stitchClassOf,
  stitchedStatusOf,
  type FlowStitcherConfig,
  type FlowStitcherStats,
} from '../flow/index.js';
import {
  NumberAt,
  protocolName,
  TcpFlag,
  type FlowBatchBuilder,
  type FlowEndReason,
  type OneWayFlow,
} from '../records/index.js';
import { formatWords, parseAddressWords } from './collect-address-words.js';
import {
  BYTES,
  COUNTS,
  END_REASON,
  ESTIMATED,
  FIRST_SEEN,
  INPUT,
  KEY_WORDS,
  LAST_SEEN,
  NONE,
  OUTPUT,
  PACKETS,
  REVERSE_BYTES,
  REVERSE_PACKETS,
  REVERSE_TCP_FLAGS,
  SAMPLING_RATE,
  SMALL,
  SlotPool,
  TCP_FLAGS,
  VLAN,
} from './collect-slot-pool.js';

const TCP = 6;
const ICMP = 1;
const ICMP6 = 58;
const US_PER_S = 1_000_000;

export interface CollectStitcherDeps {
  out: FlowBatchBuilder;
  /** Flow ids; random UUIDs by default (tests pass a counter). */
  newId?: () => string;
}

/** Sampled packets of one conversation; `first` is the pool slot of the first packet's record. */
interface SampleAggregate {
  first: number;
  isFirstKeyForward: boolean;
  firstSeenAt: number;
  srcPackets: number;
  srcBytes: number;
  dstPackets: number;
  dstBytes: number;
  srcTcpFlags: number;
  dstTcpFlags: number;
  lastSeenAt: number;
  samplingRate: number;
}

export interface CollectStitcher {
  /** Takes one NetFlow/IPFIX record (copied; the row may be reused) that arrived at `nowUs`. */
  addRow(row: OneWayRow, nowUs: number): void;
  /** Takes a record given as a OneWayFlow (sFlow's sampled packets), as `addRow` does. */
  addFlow(flow: OneWayFlow, nowUs: number): void;
  advance(nowUs: number): void;
  flush(): void;
  stats(): FlowStitcherStats;
}

/**
 * Joins one-way records into bidirectional flows exactly as flow/'s createFlowStitcher does (see
 * there for the rules: the stitch window, the initiator, one-sided flows, biflows, sample aggregates,
 * eviction past `maxPendingFlows`), writing each flow into `deps.out`.
 */
export function createCollectStitcher(
  config: FlowStitcherConfig,
  deps: CollectStitcherDeps,
): CollectStitcher {
  const home = createHomeNetworkMatcher(config.homeNetworks);
  const newId = deps.newId ?? randomUUID;
  const out = deps.out;
  const windowUs = config.stitchWindowS * US_PER_S;
  const activeUs = config.activeTimeoutS * US_PER_S;
  const idleUs = [
    config.tcpIdleTimeoutS * US_PER_S,
    config.udpIdleTimeoutS * US_PER_S,
    config.otherIdleTimeoutS * US_PER_S,
  ];
  const pool = new SlotPool();
  // Open addressing, linear probing: slot + 1 per bucket, 0 for empty.
  let table = new Int32Array(4096);
  let mask = table.length - 1;
  let waitingCount = 0;
  // The waiting records in arrival order (a list through the pool's prev/next).
  let head = NONE;
  let tail = NONE;
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
  let lastExporter = '';
  let lastExporterHash = 0;
  const ports = { src: 0, dst: 0, isOneWay: false };

  function pendingCount(): number {
    return waitingCount + samples[0]!.size + samples[1]!.size + samples[2]!.size;
  }

  function exporterHash(exporter: string): number {
    if (exporter === lastExporter) return lastExporterHash;
    let h = 0x811c9dc5;
    for (let i = 0; i < exporter.length; i++) h = Math.imul(h ^ exporter.charCodeAt(i), 0x01000193);
    lastExporter = exporter;
    lastExporterHash = h;
    return h;
  }

  /** FlowRecord's ports of the slot's record into `ports` (ICMP: type and counterpart or code). */
  function recordPorts(slot: number): void {
    const proto = pool.ipProto[slot]!;
    const src = pool.ports[slot * 2]!;
    const dst = pool.ports[slot * 2 + 1]!;
    ports.src = src;
    ports.dst = dst;
    ports.isOneWay = false;
    if (proto !== ICMP && proto !== ICMP6) return;
    const counterpart = icmpCounterpart(proto, src);
    if (counterpart === -1) ports.isOneWay = true;
    else ports.dst = counterpart;
  }

  /** Fills the slot's key (the same for both directions) and hash; sets isKeyForward. */
  function keySlot(slot: number): void {
    recordPorts(slot);
    const w = pool.words;
    const s = slot * 8;
    let isForward = ports.isOneWay;
    if (!isForward) {
      let order = 0;
      for (let i = 0; i < 4 && order === 0; i++) {
        const a = w[s + i]! >>> 0;
        const b = w[s + 4 + i]! >>> 0;
        order = a < b ? -1 : a > b ? 1 : 0;
      }
      isForward = order < 0 || (order === 0 && ports.src <= ports.dst);
    }
    const k = slot * KEY_WORDS;
    const first = isForward ? s : s + 4;
    const second = isForward ? s + 4 : s;
    const key = pool.key;
    let h = exporterHash(pool.exporter[slot]!);
    for (let i = 0; i < 4; i++) {
      key[k + i] = w[first + i]!;
      key[k + 4 + i] = w[second + i]!;
    }
    key[k + 8] = isForward ? (ports.src << 16) | ports.dst : (ports.dst << 16) | ports.src;
    key[k + 9] = (pool.ipProto[slot]! << 8) | pool.ipVersion[slot]!;
    for (let i = 0; i < KEY_WORDS; i++) {
      h = Math.imul(h ^ key[k + i]!, 0x9e3779b1);
      h ^= h >>> 15;
    }
    pool.hash[slot] = h;
    pool.isKeyForward[slot] = isForward ? 1 : 0;
  }

  function sameKey(a: number, b: number): boolean {
    if (pool.hash[a] !== pool.hash[b]) return false;
    const key = pool.key;
    const ka = a * KEY_WORDS;
    const kb = b * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) if (key[ka + i] !== key[kb + i]) return false;
    return pool.exporter[a] === pool.exporter[b];
  }

  /** The waiting slot with the same key as `slot`, or NONE. */
  function find(slot: number): number {
    for (let i = pool.hash[slot]! & mask; ; i = (i + 1) & mask) {
      const entry = table[i]!;
      if (entry === 0) return NONE;
      if (sameKey(entry - 1, slot)) return entry - 1;
    }
  }

  function insert(slot: number): void {
    if ((waitingCount + 1) * 2 > table.length) rehash(table.length * 2);
    let i = pool.hash[slot]! & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = slot + 1;
    waitingCount++;
    pool.prev[slot] = tail;
    pool.next[slot] = NONE;
    if (tail === NONE) head = slot;
    else pool.next[tail] = slot;
    tail = slot;
  }

  function rehash(size: number): void {
    const old = table;
    table = new Int32Array(size);
    mask = size - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      let i = pool.hash[entry - 1]! & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = entry;
    }
  }

  /** Takes a waiting slot out of the table and the arrival list (it stays allocated). */
  function remove(slot: number): void {
    let i = pool.hash[slot]! & mask;
    while (table[i] !== slot + 1) i = (i + 1) & mask;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const home = pool.hash[table[j]! - 1]! & mask;
      // Move entry j into the hole unless its home lies cyclically in (hole, j].
      const isBetween = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!isBetween) {
        table[hole] = table[j]!;
        hole = j;
      }
    }
    table[hole] = 0;
    waitingCount--;
    const prev = pool.prev[slot]!;
    const next = pool.next[slot]!;
    if (prev === NONE) head = next;
    else pool.next[prev] = next;
    if (next === NONE) tail = prev;
    else pool.prev[next] = prev;
  }

  function makeRoom(): void {
    if (pendingCount() < config.maxPendingFlows) return;
    stats.evicted++;
    if (head !== NONE) {
      const slot = head;
      remove(slot);
      emitOneSided(slot);
      pool.release(slot);
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

  function addSlot(slot: number, nowUs: number): void {
    const c = slot * COUNTS;
    const counts = pool.counts;
    if (counts[c + REVERSE_PACKETS]! > 0 || counts[c + REVERSE_BYTES]! > 0) {
      stats.biflows++;
      emit(
        slot,
        counts[c + PACKETS]!,
        counts[c + BYTES]!,
        pool.small[slot * SMALL + TCP_FLAGS]!,
        counts[c + REVERSE_PACKETS]!,
        counts[c + REVERSE_BYTES]!,
        pool.small[slot * SMALL + REVERSE_TCP_FLAGS]!,
        counts[c + FIRST_SEEN]!,
        counts[c + LAST_SEEN]!,
        true,
        slot,
      );
      pool.release(slot);
      return;
    }
    keySlot(slot);
    const held = find(slot);
    if (held !== NONE) {
      remove(held);
      if (pool.isKeyForward[held] !== pool.isKeyForward[slot] && isWithinWindow(held, slot)) {
        emitPair(held, slot);
        pool.release(held);
        pool.release(slot);
        return;
      }
      emitOneSided(held);
      pool.release(held);
    }
    makeRoom();
    pool.arrivedUs[slot] = nowUs;
    insert(slot);
  }

  function sampleKey(slot: number): string {
    keySlot(slot);
    const k = slot * KEY_WORDS;
    const key = pool.key;
    let text = pool.exporter[slot]!;
    for (let i = 0; i < KEY_WORDS; i++) text += ` ${key[k + i]}`;
    return text;
  }

  function addSample(slot: number, nowUs: number): void {
    const key = sampleKey(slot);
    const isKeyForward = pool.isKeyForward[slot] === 1;
    const c = slot * COUNTS;
    const counts = pool.counts;
    const map = samples[stitchClassOf(pool.ipProto[slot]!)]!;
    let aggregate = map.get(key);
    if (aggregate !== undefined) {
      map.delete(key);
      if (counts[c + FIRST_SEEN]! - aggregate.firstSeenAt >= activeUs) {
        emitAggregate(aggregate, 'active_timeout');
        aggregate = undefined;
      }
    }
    let isSlotKept = false;
    if (aggregate === undefined) {
      makeRoom();
      aggregate = {
        first: slot,
        isFirstKeyForward: isKeyForward,
        firstSeenAt: counts[c + FIRST_SEEN]!,
        srcPackets: 0,
        srcBytes: 0,
        dstPackets: 0,
        dstBytes: 0,
        srcTcpFlags: 0,
        dstTcpFlags: 0,
        lastSeenAt: counts[c + FIRST_SEEN]!,
        samplingRate: counts[c + SAMPLING_RATE]!,
      };
      isSlotKept = true;
    }
    const tcpFlags = pool.small[slot * SMALL + TCP_FLAGS]!;
    if (isKeyForward === aggregate.isFirstKeyForward) {
      aggregate.srcPackets += counts[c + PACKETS]!;
      aggregate.srcBytes += counts[c + BYTES]!;
      aggregate.srcTcpFlags |= tcpFlags;
    } else {
      aggregate.dstPackets += counts[c + PACKETS]!;
      aggregate.dstBytes += counts[c + BYTES]!;
      aggregate.dstTcpFlags |= tcpFlags;
    }
    aggregate.lastSeenAt = Math.max(aggregate.lastSeenAt, counts[c + LAST_SEEN]!, nowUs);
    aggregate.samplingRate = Math.max(aggregate.samplingRate, counts[c + SAMPLING_RATE]!);
    map.set(key, aggregate);
    if (!isSlotKept) pool.release(slot);
  }

  function isWithinWindow(a: number, b: number): boolean {
    const counts = pool.counts;
    return (
      counts[a * COUNTS + FIRST_SEEN]! <= counts[b * COUNTS + LAST_SEEN]! + windowUs &&
      counts[b * COUNTS + FIRST_SEEN]! <= counts[a * COUNTS + LAST_SEEN]! + windowUs
    );
  }

  /** Whether `a` (rather than `b`) opened the conversation (flow/'s rule). */
  function isInitiator(a: number, b: number): boolean {
    const proto = pool.ipProto[a]!;
    const aFlags = pool.small[a * SMALL + TCP_FLAGS]!;
    const bFlags = pool.small[b * SMALL + TCP_FLAGS]!;
    if (proto === TCP) {
      const aSyn = (aFlags & TcpFlag.SYN) !== 0;
      const bSyn = (bFlags & TcpFlag.SYN) !== 0;
      if (aSyn !== bSyn) return aSyn;
      if (isPureSyn(aFlags) !== isPureSyn(bFlags)) return isPureSyn(aFlags);
    }
    const aFirst = pool.counts[a * COUNTS + FIRST_SEEN]!;
    const bFirst = pool.counts[b * COUNTS + FIRST_SEEN]!;
    if (aFirst !== bFirst) return aFirst < bFirst;
    const aPort = pool.ports[a * 2]!;
    const bPort = pool.ports[b * 2]!;
    if ((proto === ICMP || proto === ICMP6) && aPort !== bPort) {
      return (proto === ICMP ? ICMP4_REQUESTS : ICMP6_REQUESTS).has(aPort);
    }
    return aPort >= bPort;
  }

  function emitPair(a: number, b: number): void {
    stats.paired++;
    const isA = isInitiator(a, b);
    const initiator = isA ? a : b;
    const responder = isA ? b : a;
    const counts = pool.counts;
    const i = initiator * COUNTS;
    const r = responder * COUNTS;
    emit(
      initiator,
      counts[i + PACKETS]!,
      counts[i + BYTES]!,
      pool.small[initiator * SMALL + TCP_FLAGS]!,
      counts[r + PACKETS]!,
      counts[r + BYTES]!,
      pool.small[responder * SMALL + TCP_FLAGS]!,
      Math.min(counts[a * COUNTS + FIRST_SEEN]!, counts[b * COUNTS + FIRST_SEEN]!),
      Math.max(counts[a * COUNTS + LAST_SEEN]!, counts[b * COUNTS + LAST_SEEN]!),
      true,
      responder,
    );
  }

  function emitOneSided(slot: number): void {
    stats.oneSided++;
    const c = slot * COUNTS;
    const counts = pool.counts;
    emit(
      slot,
      counts[c + PACKETS]!,
      counts[c + BYTES]!,
      pool.small[slot * SMALL + TCP_FLAGS]!,
      0,
      0,
      0,
      counts[c + FIRST_SEEN]!,
      counts[c + LAST_SEEN]!,
      false,
      NONE,
    );
  }

  function emitAggregate(aggregate: SampleAggregate, reason: FlowEndReason): void {
    stats.fromSamples++;
    emit(
      aggregate.first,
      aggregate.srcPackets,
      aggregate.srcBytes,
      aggregate.srcTcpFlags,
      aggregate.dstPackets,
      aggregate.dstBytes,
      aggregate.dstTcpFlags,
      aggregate.firstSeenAt,
      aggregate.lastSeenAt,
      aggregate.dstPackets > 0,
      NONE,
      reason,
      Math.max(1, Math.round(aggregate.samplingRate)),
      aggregate.samplingRate > 1,
    );
    pool.release(aggregate.first);
  }

  /**
   * Writes one flow (flow/'s toRecord): `src` is the initiator's slot, `responder` the other
   * direction's slot for a pair, `src` itself for a biflow, NONE for one side alone. An aggregate of
   * samples gives its end reason, rate and estimate instead of the ones derived here.
   */
  function emit(
    src: number,
    srcPackets: number,
    srcBytes: number,
    srcTcpFlags: number,
    dstPackets: number,
    dstBytes: number,
    dstTcpFlags: number,
    firstSeenAt: number,
    lastSeenAt: number,
    isAnswered: boolean,
    responder: number,
    endReason: FlowEndReason | null = null,
    samplingRate = 0,
    countsEstimated = false,
  ): void {
    recordPorts(src);
    const proto = pool.ipProto[src]!;
    const isV6 = pool.ipVersion[src] === 6;
    const c = src * COUNTS;
    const m = src * SMALL;
    const counts = pool.counts;
    const small = pool.small;
    if (endReason === null) {
      const ownRate = counts[c + SAMPLING_RATE]!;
      samplingRate = Math.max(
        1,
        Math.round(Math.max(ownRate, responder === NONE ? 1 : counts[responder * COUNTS + SAMPLING_RATE]!)),
      );
      countsEstimated =
        samplingRate > 1 ||
        small[m + ESTIMATED] === 1 ||
        (responder !== NONE && small[responder * SMALL + ESTIMATED] === 1);
      endReason = exportEndReasonOf(
        small[m + END_REASON] || (responder === NONE ? 0 : small[responder * SMALL + END_REASON]!),
        srcTcpFlags | dstTcpFlags,
      );
    }
    const n = out.row();
    const numbers = out.numbers;
    numbers[n + NumberAt.ipProto] = proto;
    numbers[n + NumberAt.ipVersion] = isV6 ? 6 : 4;
    numbers[n + NumberAt.srcPort] = ports.src;
    numbers[n + NumberAt.dstPort] = ports.dst;
    numbers[n + NumberAt.firstSeenAt] = firstSeenAt;
    numbers[n + NumberAt.lastSeenAt] = lastSeenAt;
    numbers[n + NumberAt.srcBytes] = srcBytes;
    numbers[n + NumberAt.dstBytes] = dstBytes;
    numbers[n + NumberAt.srcPackets] = srcPackets;
    numbers[n + NumberAt.dstPackets] = dstPackets;
    // Flow exports count IP bytes only; payload bytes are not known.
    numbers[n + NumberAt.srcPayloadBytes] = 0;
    numbers[n + NumberAt.dstPayloadBytes] = 0;
    const vlan = small[m + VLAN]!;
    numbers[n + NumberAt.vlan] = vlan === -1 ? NaN : vlan;
    numbers[n + NumberAt.innerVlan] = NaN;
    numbers[n + NumberAt.srcTcpFlags] = srcTcpFlags;
    numbers[n + NumberAt.dstTcpFlags] = dstTcpFlags;
    numbers[n + NumberAt.samplingRate] = samplingRate;
    numbers[n + NumberAt.countsEstimated] = countsEstimated ? 1 : 0;
    const w = pool.words;
    const s = src * 8;
    const input = counts[c + INPUT]!;
    const output = counts[c + OUTPUT]!;
    out.text(newId());
    out.text(protocolName(proto));
    out.text(formatWords(w, s, isV6));
    out.text(formatWords(w, s + 4, isV6));
    out.text(stitchedStatusOf(proto, srcTcpFlags, dstTcpFlags, isAnswered));
    out.text(endReason);
    out.text(hashTupleWords(proto, w, s, s + 4, isV6, ports.src, ports.dst, ports.isOneWay));
    out.text(pool.exporter[src]!);
    out.text(input === 0 && output === 0 ? null : `in=${input},out=${output}`);
    out.text(pool.srcMac[src]!);
    out.text(pool.dstMac[src]!);
    out.text(
      flowDirection(
        home.isHomeWords(w, s, isV6),
        home.isHomeWords(w, s + 4, isV6),
        isMulticastOrBroadcastWords(w, s + 4, isV6),
      ),
    );
    for (let i = 0; i < 7; i++) out.text(null);
  }

  function addRow(row: OneWayRow, nowUs: number): void {
    addSlot(pool.copy(row), nowUs);
  }

  return {
    addRow,
    addFlow(flow, nowUs) {
      const row = flowRow;
      if (!fillRowFromFlow(flow, row)) return;
      const slot = pool.copy(row);
      if (flow.isPacketSample) addSample(slot, nowUs);
      else addSlot(slot, nowUs);
    },
    advance(nowUs) {
      while (head !== NONE && !(nowUs - pool.arrivedUs[head]! < windowUs)) {
        const slot = head;
        remove(slot);
        emitOneSided(slot);
        pool.release(slot);
      }
      for (let i = 0; i < samples.length; i++) {
        const map = samples[i]!;
        for (const [key, aggregate] of map) {
          if (nowUs - aggregate.lastSeenAt < idleUs[i]!) break;
          map.delete(key);
          emitAggregate(aggregate, 'idle_timeout');
        }
      }
    },
    flush() {
      while (head !== NONE) {
        const slot = head;
        remove(slot);
        emitOneSided(slot);
        pool.release(slot);
      }
      for (const map of samples) {
        for (const aggregate of map.values()) emitAggregate(aggregate, 'shutdown');
        map.clear();
      }
    },
    stats: () => ({ ...stats, pending: pendingCount() }),
  };
}

/** The row an sFlow sample is copied through (addFlow). */
const flowRow = new OneWayRow();

/**
 * Fills `row` from a one-way flow record (sFlow samples, replays): false when an address is not one,
 * and the row is then not to be used.
 */
export function fillRowFromFlow(flow: OneWayFlow, row: OneWayRow): boolean {
  row.exporter = flow.exporter;
  row.domainId = flow.domainId;
  row.ipVersion = flow.ipVersion;
  row.ipProto = flow.ipProto;
  if (!parseAddressWords(flow.srcAddr, row.srcWords)) return false;
  if (!parseAddressWords(flow.dstAddr, row.dstWords)) return false;
  row.srcPort = flow.srcPort;
  row.dstPort = flow.dstPort;
  row.packets = flow.packets;
  row.bytes = flow.bytes;
  row.reversePackets = flow.reversePackets;
  row.reverseBytes = flow.reverseBytes;
  row.firstSeenAt = flow.firstSeenAt;
  row.lastSeenAt = flow.lastSeenAt;
  row.tcpFlags = flow.tcpFlags;
  row.reverseTcpFlags = flow.reverseTcpFlags;
  row.inputInterface = flow.inputInterface;
  row.outputInterface = flow.outputInterface;
  row.srcMac = flow.srcMac;
  row.dstMac = flow.dstMac;
  row.vlan = flow.vlan ?? -1;
  row.samplingRate = flow.samplingRate;
  row.countsEstimated = flow.countsEstimated;
  row.flowEndReason = flow.flowEndReason;
  return true;
}
