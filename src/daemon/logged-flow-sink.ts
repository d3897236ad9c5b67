import { randomUUID } from 'node:crypto';
import type { LoggedFlow, LoggedNames } from '../capture/index.js';
import type { FlowTableConfig, StoreConfig } from '../config/index.js';
import {
  communityId,
  createHomeNetworkMatcher,
  icmpCounterpart,
  type HomeNetworkMatcher,
} from '../flow/index.js';
import type { DnsRecord, FlowRecord } from '../records/index.js';
import type { Store } from '../store/index.js';

export interface LoggedFlowSinkStats {
  flowsWritten: number;
  dnsWritten: number;
  batchesWritten: number;
}

export interface LoggedFlowSinkDeps {
  store: Store;
  /** Record ids; random UUIDs by default. */
  newId?: () => string;
  /** Called after each batch is durably written. */
  onWritten?: (stats: LoggedFlowSinkStats) => void;
}

/** DNS answers remembered per (client, address), newest last; a few cover a flow racing a re-resolution. */
const NAMES_PER_ADDRESS = 4;

/**
 * Turns flows that a log or the kernel reported (capture/'s LoggedFlow) into stored FlowRecords, the
 * way the flow table finishes its own: an id, Community ID (computed when the source logged none),
 * direction from the home networks, the sensor, and `dns_name` from the DNS answers this sink wrote
 * before (the name the client resolved to the destination within `dnsNameMaxAgeS` before the flow).
 * Records are written in batches of `maxBatchRows`; a batch is durable once its write resolves, and a
 * batch whose write failed is kept and tried again with the next.
 */
export class LoggedFlowSink {
  private flows: FlowRecord[] = [];
  private dns: DnsRecord[] = [];
  private readonly matcher: HomeNetworkMatcher;
  private readonly names = new Map<string, { at: number; name: string }[]>();
  private readonly totals: LoggedFlowSinkStats = { flowsWritten: 0, dnsWritten: 0, batchesWritten: 0 };
  private readonly newId: () => string;

  constructor(
    private readonly config: { flow: FlowTableConfig; store: Pick<StoreConfig, 'maxBatchRows'> },
    private readonly deps: LoggedFlowSinkDeps,
    /** Written on every record when given (the --sensor flag); else the source's own, else config's. */
    private readonly sensorOverride: string | null = null,
  ) {
    this.matcher = createHomeNetworkMatcher(config.flow.homeNetworks);
    this.newId = deps.newId ?? randomUUID;
  }

  stats(): LoggedFlowSinkStats {
    return { ...this.totals };
  }

  /** Flows and answers waiting for the next write. */
  pending(): number {
    return this.flows.length + this.dns.length;
  }

  addFlow(logged: LoggedFlow, names: LoggedNames | null): void {
    const { ipProto, srcAddr, dstAddr, srcPort } = logged;
    let dstPort = logged.dstPort;
    if (logged.isIcmpCodeAsPort) {
      // Community ID's convention, as the flow table writes ICMP: a request/reply type's counterpart.
      const counterpart = icmpCounterpart(ipProto, srcPort);
      if (counterpart !== -1) dstPort = counterpart;
    }
    const sensor = this.sensorOverride ?? logged.sensor ?? this.config.flow.sensor;
    this.flows.push({
      id: this.newId(),
      protocol: logged.protocol,
      ipProto,
      ipVersion: logged.ipVersion,
      srcAddr,
      dstAddr,
      srcPort,
      dstPort,
      firstSeenAt: logged.firstSeenAt,
      lastSeenAt: logged.lastSeenAt,
      srcBytes: logged.srcBytes,
      dstBytes: logged.dstBytes,
      srcPackets: logged.srcPackets,
      dstPackets: logged.dstPackets,
      srcPayloadBytes: logged.srcPayloadBytes,
      dstPayloadBytes: logged.dstPayloadBytes,
      status: logged.status,
      endReason: logged.endReason,
      communityId:
        logged.communityId ?? communityId({ ipProto, srcAddr, dstAddr, srcPort, dstPort: logged.dstPort }),
      sensor,
      interface: logged.interface,
      srcMac: logged.srcMac,
      dstMac: logged.dstMac,
      vlan: logged.vlan,
      innerVlan: logged.innerVlan,
      direction: this.matcher.direction(srcAddr, dstAddr),
      serverName: names?.serverName ?? logged.serverName,
      dnsName: logged.dnsName ?? this.dnsNameFor(srcAddr, dstAddr, logged.firstSeenAt),
      ja3: names?.ja3 ?? logged.ja3,
      ja4: names?.ja4 ?? logged.ja4,
      tlsCertSha1: names?.tlsCertSha1 ?? logged.tlsCertSha1,
      tlsVersion: names?.tlsVersion ?? logged.tlsVersion,
      alpn: names?.alpn ?? logged.alpn,
      srcTcpFlags: logged.srcTcpFlags,
      dstTcpFlags: logged.dstTcpFlags,
    });
  }

  /** Stores answers (stamped with the sensor) and remembers A/AAAA answers to name later flows. */
  addDns(records: readonly DnsRecord[], sourceSensor: string | null): void {
    const sensor = this.sensorOverride ?? sourceSensor ?? this.config.flow.sensor;
    for (const record of records) {
      record.sensor = sensor;
      this.dns.push(record);
      if ((record.answerType === 'A' || record.answerType === 'AAAA') && record.answer !== '') {
        this.rememberName(record.clientAddr, record.answer, record.queryName, record.seenAt);
      }
    }
  }

  isBatchFull(): boolean {
    const max = this.config.store.maxBatchRows;
    return this.flows.length >= max || this.dns.length >= max;
  }

  /** Writes what is waiting: DNS first, so a stored flow's name can always be explained. */
  async write(): Promise<void> {
    if (this.flows.length === 0 && this.dns.length === 0) return;
    const [flowBatch, dnsBatch] = [this.flows, this.dns];
    this.flows = [];
    this.dns = [];
    let isDnsStored = false;
    try {
      if (dnsBatch.length > 0) await this.deps.store.writeDns(dnsBatch);
      isDnsStored = true;
      if (flowBatch.length > 0) await this.deps.store.writeFlows(flowBatch);
    } catch (error) {
      if (!isDnsStored) this.dns = dnsBatch.concat(this.dns);
      this.flows = flowBatch.concat(this.flows);
      throw error;
    }
    this.totals.flowsWritten += flowBatch.length;
    this.totals.dnsWritten += dnsBatch.length;
    this.totals.batchesWritten++;
    this.deps.onWritten?.(this.stats());
  }

  private rememberName(clientAddr: string, address: string, name: string, at: number): void {
    const key = `${clientAddr}|${address}`;
    const list = this.names.get(key);
    if (list === undefined) {
      // Bounded like the flow table: past maxFlows addresses, the longest-unrefreshed is forgotten.
      if (this.names.size >= this.config.flow.maxFlows) {
        const oldest = this.names.keys().next();
        if (!oldest.done) this.names.delete(oldest.value);
      }
      this.names.set(key, [{ at, name }]);
      return;
    }
    list.push({ at, name });
    if (list.length > NAMES_PER_ADDRESS) list.shift();
    this.names.delete(key);
    this.names.set(key, list);
  }

  private dnsNameFor(clientAddr: string, dstAddr: string, firstSeenAt: number): string | null {
    if (this.names.size === 0) return null;
    const list = this.names.get(`${clientAddr}|${dstAddr}`);
    if (list === undefined) return null;
    const maxAgeUs = this.config.flow.dnsNameMaxAgeS * 1_000_000;
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i]!;
      if (entry.at <= firstSeenAt && firstSeenAt - entry.at <= maxAgeUs) return entry.name;
    }
    return null;
  }
}
