import { randomInt, randomUUID } from 'node:crypto';
import type { FlowTableConfig } from '../config/index.js';
import { formatIpv4, formatIpv6, FrameKind, type DecodedFrame, type DecodeResult } from '../decode/index.js';
import type { DeviceObservation, DnsRecord, FlowEndReason, FlowRecord } from '../records/index.js';
import { TcpFlag } from '../records/index.js';
import { POOL_PAGE_BYTES, srcAt as v6SrcAt } from './address-pool.js';
import { formatAddressWords } from './address-words.js';
import { icmpCounterpart } from './community-id.js';
import { inspectUdpPayload, isInspectedDatagram, type InspectedDatagram } from './datagram-inspection.js';
import { createDnsNameCache } from './dns-name-cache.js';
import { FlowCursor } from './flow-cursor.js';
import { FlowIndex } from './flow-index.js';
import { FlowLists } from './flow-list.js';
import { FlowRecordWriter } from './flow-record.js';
import {
  F_DST_BYTES,
  F_DST_PACKETS,
  F_DST_PAYLOAD,
  F_FIRST_SEEN,
  F_LAST_SEEN,
  F_SRC_BYTES,
  F_SRC_PACKETS,
  F_SRC_PAYLOAD,
  FlowSlots,
  I_BITS,
  I_DST_ADDR,
  I_HASH,
  I_META,
  I_PORTS,
  I_SRC_ADDR,
  I_TCP_FLAGS,
  I_V6_ENTRY,
  I_VLANS,
  PAGE_BYTES,
  dstAddressAt,
  f64Base,
  i32Base,
  macBase,
} from './flow-slots.js';
import { FlowBit, FlowClass, FlowExtras, applyTcpFlags, closeReason, isClosed } from './flow-state.js';
import { createFragmentMap, fragmentKey } from './fragment-map.js';
import { createHomeNetworkMatcher, isMulticastOrBroadcastWords } from './home-network-matcher.js';
import type { InspectionContext } from './inspection-context.js';
import { Match, PacketKey } from './packet-key.js';
import { inspectTcpPayload } from './stream-inspection.js';
import { SummaryFrame } from './summary-frame.js';

export interface FlowTableDeps {
  onFlow: (flow: FlowRecord) => void;
  onDns?: (record: DnsRecord) => void;
  onDevice?: (observation: DeviceObservation) => void;
  /** Record ids; random UUIDs by default. */
  newId?: () => string;
  /**
   * Called whenever the table has let go of at least `RECLAIM_BYTES` of its memory since the last
   * call (while it is emptied at shutdown), so that the caller can have the garbage collector return
   * it now: the let-go memory is in ArrayBuffers, which are freed only by a full collection, and
   * writing the records makes little garbage of the kind that starts one.
   */
  reclaimMemory?: () => void;
}

/** Memory the table lets go of between two `reclaimMemory` calls. */
export const RECLAIM_BYTES = 16 << 20;

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
   * `add` for a frame decoded in place by `decodeFrame`, its capture time in `frame.timestampUs`: the
   * import path. Reads the frame's bytes only during the call, and copies what it keeps.
   */
  addFrame(frame: DecodedFrame, interfaceName: string | null): void;
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
/** Distinct interface names a table keeps; a hostile pcapng could describe millions. */
const MAX_INTERFACE_NAMES = 0xffff;
const EMPTY = new Uint8Array(0);

/**
 * Creates a flow table: decoded packets in, bidirectional flow records out (see `FlowRecord`).
 * Time comes only from packet timestamps and `advance()`; memory stays within `maxFlows` flows plus
 * small bounded caches (fragments, DNS names, capped payload buffers).
 */
export function createFlowTable(config: FlowTableConfig, deps: FlowTableDeps): FlowTable {
  return new FlowTableCore(config, deps);
}

/**
 * The table proper. Flows live in `FlowSlots` records found through `FlowIndex` and kept in
 * last-seen order on one `FlowLists` list per timeout class (TCP, UDP, other, closed); names and
 * parsing state of the few flows that have them sit in `extras`, by flow id.
 */
class FlowTableCore implements FlowTable {
  private readonly home;
  private readonly newId: () => string;
  private readonly onFlow: (flow: FlowRecord) => void;
  private readonly onDevice: ((observation: DeviceObservation) => void) | undefined;
  private readonly timeoutsUs: Float64Array;
  private readonly activeTimeoutUs: number;
  private readonly maxFlows: number;

  private readonly slots = new FlowSlots();
  /** Empty while `isDraining`: see `flush`. */
  private index = new FlowIndex();
  private isDraining = false;
  private liveFlows = 0;
  private readonly reclaimMemory: (() => void) | undefined;
  /** Bytes let go of since the last `reclaimMemory` call. */
  private releasedBytes = 0;
  private readonly lists = new FlowLists(4);
  private readonly extras = new Map<number, FlowExtras>();
  private readonly key: PacketKey;
  private readonly cursor: FlowCursor;
  private readonly writer: FlowRecordWriter;
  private readonly fragments = createFragmentMap();
  private readonly names;
  private readonly inspection: InspectionContext;
  private readonly datagram: InspectedDatagram = {
    srcPort: 0,
    dstPort: 0,
    srcAddr: '',
    dstAddr: '',
    payload: EMPTY,
  };
  private readonly summaryFrame = new SummaryFrame();
  private readonly interfaceNames: (string | null)[] = [null];
  private readonly interfaceIds = new Map<string, number>();
  private lastInterfaceName: string | null = null;
  private lastInterfaceId = 0;
  private readonly counts: FlowTableStats = {
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
  private readonly observeDevice = (observation: DeviceObservation): void => {
    this.counts.deviceObservations++;
    this.onDevice?.(observation);
  };

  constructor(config: FlowTableConfig, deps: FlowTableDeps) {
    this.home = createHomeNetworkMatcher(config.homeNetworks);
    this.newId = deps.newId ?? randomUUID;
    this.onFlow = deps.onFlow;
    this.onDevice = deps.onDevice;
    this.reclaimMemory = deps.reclaimMemory;
    this.timeoutsUs = Float64Array.of(
      config.tcpIdleTimeoutS * US_PER_S,
      config.udpIdleTimeoutS * US_PER_S,
      config.otherIdleTimeoutS * US_PER_S,
      config.tcpClosedTimeoutS * US_PER_S,
    );
    this.activeTimeoutUs = config.activeTimeoutS * US_PER_S;
    this.maxFlows = Math.max(1, config.maxFlows);
    this.key = new PacketKey(randomInt(0x7fffffff));
    this.cursor = new FlowCursor(this.slots, this.extras);
    this.writer = new FlowRecordWriter(this.slots, this.extras, this.interfaceNames, config.sensor);
    const names = createDnsNameCache(config.dnsNameMaxAgeS * US_PER_S);
    this.names = names;
    const counts = this.counts;
    const onDns = deps.onDns;
    this.inspection = {
      sensor: config.sensor,
      onDns: (record) => {
        counts.dnsRecords++;
        onDns?.(record);
      },
      onDevice: this.observeDevice,
      rememberName: (clientAddr, answerAddr, name, seenAtUs) =>
        names.remember(clientAddr, answerAddr, name, seenAtUs),
    };
  }

  add(timestampUs: number, decoded: DecodeResult, interfaceName: string | null): void {
    if (decoded.kind !== 'ip') {
      if (decoded.kind === 'malformed') this.counts.malformed++;
      else this.counts.nonIp++;
      return;
    }
    const frame = this.summaryFrame.load(decoded.packet);
    frame.timestampUs = timestampUs;
    this.addFrame(frame, interfaceName);
  }

  addFrame(f: DecodedFrame, interfaceName: string | null): void {
    const timestampUs = f.timestampUs;
    if (f.kind !== FrameKind.IP) {
      if (f.kind === FrameKind.MALFORMED) this.counts.malformed++;
      else this.counts.nonIp++;
      return;
    }
    this.counts.ipPackets++;
    if (f.fragmentOffset > 0) {
      this.addLaterFragment(f);
      return;
    }
    const ipProto = f.ipProto;
    let srcPort = f.srcPort;
    let dstPort = f.dstPort;
    let isOneWay = false;
    if ((ipProto === ICMP || ipProto === ICMP6) && f.icmpType >= 0) {
      srcPort = f.icmpType;
      const counterpart = icmpCounterpart(ipProto, srcPort);
      isOneWay = counterpart === -1;
      dstPort = isOneWay ? Math.max(0, f.icmpCode) : counterpart;
    }
    if (this.isDraining) this.stopDraining();
    const key = this.key;
    key.load(f, srcPort, dstPort, isOneWay);
    let id = -1;
    let fromSrc = true;
    const index = this.index;
    for (let at = index.start(key.hash); ; at = index.next(at)) {
      const candidate = index.idAt(at);
      if (candidate < 0) break;
      if (index.hashAt(at) !== key.hash) continue;
      const match = key.matchFlow(this.slots.page(candidate).i32, i32Base(candidate), this.slots.v6);
      if (match !== Match.NONE) {
        id = candidate;
        fromSrc = match === Match.FROM_SRC;
        break;
      }
    }
    if (id >= 0) {
      const page = this.slots.page(id);
      const flowClass = (page.i32[i32Base(id) + I_META]! >>> 8) & 0xff;
      const isNewSyn = ipProto === TCP && (f.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
      if (this.isExpired(id, timestampUs) || (isNewSyn && flowClass === FlowClass.CLOSED)) {
        this.removeFlow(id, this.expiryReason(id));
        id = -1;
      } else if (timestampUs - page.f64[f64Base(id) + F_FIRST_SEEN]! >= this.activeTimeoutUs) {
        this.counts.activeTimeouts++;
        this.emitRecord(id, 'active_timeout');
        this.resetCounters(id, timestampUs);
      }
    }
    if (id < 0) {
      const isFlipped = shouldFlip(f, key, srcPort, dstPort);
      id = this.createFlow(f, key, isFlipped, interfaceName, timestampUs);
      fromSrc = !isFlipped;
    }
    this.account(id, fromSrc, f, f.payloadLength);
    if (f.isFragment) {
      this.fragments.remember(this.fragmentKeyOf(f), id, this.slots.serial(id), fromSrc, timestampUs);
    }

    if (ipProto === TCP) {
      const w = this.slots.page(id).i32;
      const base = i32Base(id);
      const bits = w[base + I_BITS]!;
      w[base + I_TCP_FLAGS] = w[base + I_TCP_FLAGS]! | (fromSrc ? f.tcpFlags : f.tcpFlags << 8);
      const next = applyTcpFlags(bits, fromSrc, f.tcpFlags, f.payloadLength);
      w[base + I_BITS] = next;
      if (!isClosed(bits) && isClosed(next)) {
        const meta = w[base + I_META]!;
        this.lists.remove((meta >>> 8) & 0xff, id);
        w[base + I_META] = (meta & ~0xff00) | (FlowClass.CLOSED << 8);
        this.lists.append(FlowClass.CLOSED, id);
      }
      // Without payload only a SYN tells inspection anything (the sequence number to expect).
      if (
        (next & FlowBit.INSPECTION_DONE) === 0 &&
        (f.payloadLength > 0 || (f.tcpFlags & TcpFlag.SYN) !== 0)
      ) {
        this.cursor.id = id;
        const payload =
          f.payloadLength > 0 && f.payloadEnd > f.payloadStart
            ? payloadView(f.bytes, f.payloadStart, f.payloadEnd)
            : EMPTY;
        inspectTcpPayload(
          this.cursor,
          fromSrc,
          f.tcpFlags,
          f.tcpSeq,
          payload,
          f.payloadLength,
          timestampUs,
          this.inspection,
        );
      }
    } else if (
      ipProto === UDP &&
      f.payloadEnd > f.payloadStart &&
      !f.isFragment &&
      isInspectedDatagram(f.srcPort, f.dstPort)
    ) {
      const d = this.datagram;
      d.srcPort = f.srcPort;
      d.dstPort = f.dstPort;
      d.srcAddr = addressText(f, f.srcAddrAt);
      d.dstAddr = addressText(f, f.dstAddrAt);
      d.payload = payloadView(f.bytes, f.payloadStart, f.payloadEnd);
      inspectUdpPayload(d, timestampUs, this.inspection);
      d.payload = EMPTY;
    }
  }

  advance(nowUs: number): void {
    const lists = this.lists;
    for (let list = 0; list < lists.count; list++) {
      let head = lists.head(list);
      while (head !== -1 && this.isExpired(head, nowUs)) {
        this.removeFlow(head, this.expiryReason(head));
        head = lists.head(list);
      }
    }
    this.fragments.expire(nowUs);
    this.names.expire(nowUs);
  }

  flush(reason: 'shutdown', maxRecords = Infinity): boolean {
    // Emptying the table needs no lookups: the index goes now rather than flow by flow (it is a tenth
    // of the table's memory). A packet added before the table is empty builds it again.
    if (!this.isDraining && this.liveFlows > 0) {
      this.isDraining = true;
      this.release(this.index.bytes);
      this.index = new FlowIndex(0);
    }
    let left = maxRecords;
    const lists = this.lists;
    for (let list = 0; list < lists.count; list++) {
      while (lists.head(list) !== -1) {
        if (left-- <= 0) return false;
        const id = lists.head(list);
        this.removeFlow(id, reason);
        // The table is being emptied: its memory goes as its records are written, a page at a time.
        if (this.slots.dropIfEmpty(id)) this.release(PAGE_BYTES);
      }
    }
    this.fragments.clear();
    this.isDraining = false;
    return true;
  }

  stats(): FlowTableStats {
    return { ...this.counts, liveFlows: this.liveFlows };
  }

  private release(bytes: number): void {
    this.releasedBytes += bytes;
    if (this.releasedBytes < RECLAIM_BYTES) return;
    this.releasedBytes = 0;
    this.reclaimMemory?.();
  }

  /** A packet arrived while the table was being emptied: its index is needed again. */
  private stopDraining(): void {
    this.isDraining = false;
    const index = new FlowIndex(this.liveFlows * 2);
    const lists = this.lists;
    for (let list = 0; list < lists.count; list++) {
      for (let id = lists.head(list); id !== -1; id = lists.next(id)) {
        index.insert(this.slots.page(id).i32[i32Base(id) + I_HASH]!, id);
      }
    }
    this.index = index;
  }

  private createFlow(
    f: DecodedFrame,
    key: PacketKey,
    isFlipped: boolean,
    interfaceName: string | null,
    timestampUs: number,
  ): number {
    if (this.liveFlows >= this.maxFlows) this.evictOldest();
    const id = this.slots.allocate();
    const page = this.slots.page(id);
    const w = page.i32;
    const base = i32Base(id);
    const fb = f64Base(id);
    const isV6 = key.isV6;
    // The record's src is the initiator: the packet's src unless `isFlipped`.
    const srcAt = isFlipped ? 4 : 0;
    const dstAt = isFlipped ? 0 : 4;
    const words = key.words;
    if (isV6) {
      const entry = this.slots.v6.allocate();
      w[base + I_V6_ENTRY] = entry;
      const v6 = this.slots.v6.words(entry);
      const at = v6SrcAt(entry);
      for (let i = 0; i < 4; i++) {
        v6[at + i] = words[srcAt + i]!;
        v6[at + 4 + i] = words[dstAt + i]!;
      }
    } else {
      w[base + I_SRC_ADDR] = words[srcAt]!;
      w[base + I_DST_ADDR] = words[dstAt]!;
    }
    const srcPort = isFlipped ? key.dstPort : key.srcPort;
    const dstPort = isFlipped ? key.srcPort : key.dstPort;
    const ipProto = key.ipProto;
    const flowClass = ipProto === TCP ? FlowClass.TCP : ipProto === UDP ? FlowClass.UDP : FlowClass.OTHER;
    w[base + I_HASH] = key.hash;
    w[base + I_PORTS] = (srcPort << 16) | dstPort;
    w[base + I_META] = ipProto | (flowClass << 8) | (this.interfaceId(interfaceName) << 16);
    w[base + I_VLANS] = key.vlans;
    const srcMacAt = isFlipped ? f.dstMacAt : f.srcMacAt;
    const dstMacAt = isFlipped ? f.srcMacAt : f.dstMacAt;
    const macs = page.macs;
    const mac = macBase(id);
    const bytes = f.bytes;
    for (let i = 0; i < 6; i++) {
      if (srcMacAt >= 0) macs[mac + i] = bytes[srcMacAt + i]!;
      if (dstMacAt >= 0) macs[mac + 6 + i] = bytes[dstMacAt + i]!;
    }
    let bits =
      (key.isOneWay ? FlowBit.IS_ONE_WAY : 0) |
      (isV6 ? FlowBit.IS_IPV6 : 0) |
      (srcMacAt >= 0 ? FlowBit.HAS_SRC_MAC : 0) |
      (dstMacAt >= 0 ? FlowBit.HAS_DST_MAC : 0);
    const addresses = this.slots.addresses(id, isV6);
    const srcAddrAt = this.slots.srcAddressAt(id, isV6);
    const dstAddrAt = dstAddressAt(srcAddrAt, isV6);
    if (this.home.isHomeWords(addresses, srcAddrAt, isV6)) bits |= FlowBit.IS_SRC_HOME;
    if (this.home.isHomeWords(addresses, dstAddrAt, isV6)) bits |= FlowBit.IS_DST_HOME;
    if (isMulticastOrBroadcastWords(addresses, dstAddrAt, isV6)) bits |= FlowBit.IS_MULTICAST_DST;
    if (ipProto === TCP && (f.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN)
      bits |= FlowBit.STARTED_WITH_SYN;
    w[base + I_BITS] = bits;
    page.f64[fb + F_FIRST_SEEN] = timestampUs;
    page.f64[fb + F_LAST_SEEN] = timestampUs;
    if (this.names.size > 0) {
      const dnsName = this.names.lookup(
        formatAddressWords(addresses, srcAddrAt, isV6),
        formatAddressWords(addresses, dstAddrAt, isV6),
        timestampUs,
      );
      if (dnsName !== null) this.extrasOf(id).dnsName = dnsName;
    }
    this.index.insert(key.hash, id);
    this.liveFlows++;
    this.lists.append(flowClass, id);
    return id;
  }

  private extrasOf(id: number): FlowExtras {
    let extras = this.extras.get(id);
    if (extras === undefined) {
      extras = new FlowExtras();
      this.extras.set(id, extras);
    }
    return extras;
  }

  /** Counts the packet `f` to the flow; `payloadLength` is 0 for a later fragment (see below). */
  private account(id: number, fromSrc: boolean, f: DecodedFrame, payloadLength: number): void {
    // The frame, not an argument, carries the time: a double argument would be a heap number per packet.
    const timestampUs = f.timestampUs;
    const ipBytes = f.ipBytes;
    const page = this.slots.page(id);
    const n = page.f64;
    const fb = f64Base(id);
    if (fromSrc) {
      n[fb + F_SRC_PACKETS]!++;
      n[fb + F_SRC_BYTES] = n[fb + F_SRC_BYTES]! + ipBytes;
      n[fb + F_SRC_PAYLOAD] = n[fb + F_SRC_PAYLOAD]! + payloadLength;
    } else {
      n[fb + F_DST_PACKETS]!++;
      n[fb + F_DST_BYTES] = n[fb + F_DST_BYTES]! + ipBytes;
      n[fb + F_DST_PAYLOAD] = n[fb + F_DST_PAYLOAD]! + payloadLength;
      const base = i32Base(id);
      page.i32[base + I_BITS] = page.i32[base + I_BITS]! | FlowBit.RESPONDER_SENT;
    }
    if (timestampUs > n[fb + F_LAST_SEEN]!) n[fb + F_LAST_SEEN] = timestampUs;
    else if (timestampUs < n[fb + F_FIRST_SEEN]!) n[fb + F_FIRST_SEEN] = timestampUs;
    this.lists.moveToTail((page.i32[i32Base(id) + I_META]! >>> 8) & 0xff, id);
  }

  // A later fragment has no ports: it belongs to whichever flow its first fragment went to. Its
  // payload is not counted again: the first fragment's UDP/TCP length already covered the datagram.
  private addLaterFragment(f: DecodedFrame): void {
    const first = this.fragments.find(this.fragmentKeyOf(f), f.timestampUs);
    if (first === null || this.slots.serial(first.flowId) !== first.serial) {
      this.counts.fragmentsWithoutFirst++;
      this.counts.fragmentBytesWithoutFirst += f.ipBytes;
      return;
    }
    this.account(first.flowId, first.fromSrc, f, 0);
  }

  private fragmentKeyOf(f: DecodedFrame): string {
    return fragmentKey(addressText(f, f.srcAddrAt), addressText(f, f.dstAddrAt), f.ipProto, f.fragmentId);
  }

  private resetCounters(id: number, timestampUs: number): void {
    const page = this.slots.page(id);
    const fb = f64Base(id);
    page.f64.fill(0, fb, fb + 8);
    page.f64[fb + F_FIRST_SEEN] = timestampUs;
    page.f64[fb + F_LAST_SEEN] = timestampUs;
    page.i32[i32Base(id) + I_TCP_FLAGS] = 0;
  }

  private isExpired(id: number, nowUs: number): boolean {
    const page = this.slots.page(id);
    const flowClass = (page.i32[i32Base(id) + I_META]! >>> 8) & 0xff;
    return nowUs - page.f64[f64Base(id) + F_LAST_SEEN]! >= this.timeoutsUs[flowClass]!;
  }

  private expiryReason(id: number): FlowEndReason {
    const w = this.slots.page(id).i32;
    const base = i32Base(id);
    const flowClass = (w[base + I_META]! >>> 8) & 0xff;
    return flowClass === FlowClass.CLOSED ? closeReason(w[base + I_BITS]!) : 'idle_timeout';
  }

  private emitRecord(id: number, reason: FlowEndReason): void {
    this.counts.emitted++;
    this.onFlow(this.writer.record(id, this.newId(), reason));
    if (this.onDevice !== undefined) this.writer.observeDevices(id, this.observeDevice);
  }

  private removeFlow(id: number, reason: FlowEndReason): void {
    const w = this.slots.page(id).i32;
    const base = i32Base(id);
    this.lists.remove((w[base + I_META]! >>> 8) & 0xff, id);
    if (!this.isDraining) this.index.remove(w[base + I_HASH]!, id);
    this.liveFlows--;
    this.emitRecord(id, reason);
    this.extras.delete(id);
    if ((w[base + I_BITS]! & FlowBit.IS_IPV6) !== 0) {
      const entry = w[base + I_V6_ENTRY]!;
      const v6 = this.slots.v6;
      v6.release(entry);
      if (this.isDraining && v6.dropIfEmpty(entry)) this.release(POOL_PAGE_BYTES);
    }
    this.slots.release(id);
  }

  private evictOldest(): void {
    let oldest = -1;
    let oldestSeen = Infinity;
    for (let list = 0; list < this.lists.count; list++) {
      const head = this.lists.head(list);
      if (head === -1) continue;
      const seen = this.slots.page(head).f64[f64Base(head) + F_LAST_SEEN]!;
      if (oldest === -1 || seen < oldestSeen) {
        oldest = head;
        oldestSeen = seen;
      }
    }
    if (oldest === -1) return;
    this.counts.evicted++;
    this.removeFlow(oldest, 'evicted');
  }

  /** A small number for the interface name, kept in the flow's meta word. */
  private interfaceId(name: string | null): number {
    if (name === this.lastInterfaceName) return this.lastInterfaceId;
    let id = 0;
    if (name !== null) {
      const known = this.interfaceIds.get(name);
      if (known !== undefined) id = known;
      else if (this.interfaceNames.length <= MAX_INTERFACE_NAMES) {
        id = this.interfaceNames.length;
        this.interfaceNames.push(name);
        this.interfaceIds.set(name, id);
      }
    }
    this.lastInterfaceName = name;
    this.lastInterfaceId = id;
    return id;
  }
}

/**
 * A plain Uint8Array over `bytes[start, end)`. The frames of a capture file are views of Node Buffers,
 * whose `subarray` makes a Buffer (a class constructor call); the parsers that read the payload take
 * many views of their own, each the cheaper for starting from a plain one.
 */
function payloadView(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}

function addressText(f: DecodedFrame, at: number): string {
  return f.ipVersion === 4 ? formatIpv4(f.bytes, at) : formatIpv6(f.bytes, at);
}

/**
 * Whether the first packet's receiver is the real initiator. A SYN-ACK comes from the responder. A
 * TCP packet without SYN or a UDP datagram from a well-known port (< 1024) to an ephemeral one is
 * most likely a server's reply whose request was not captured (Zeek's likely-server-port guess,
 * with "well-known" standing in for Zeek's per-analyser port list). Never towards a group address.
 */
function shouldFlip(f: DecodedFrame, key: PacketKey, srcPort: number, dstPort: number): boolean {
  if (f.ipProto === TCP) {
    if ((f.tcpFlags & TcpFlag.SYN) !== 0) return (f.tcpFlags & TcpFlag.ACK) !== 0;
  } else if (f.ipProto !== UDP) {
    return false;
  }
  return srcPort < 1024 && dstPort >= 1024 && !isMulticastOrBroadcastWords(key.words, 4, key.isV6);
}
