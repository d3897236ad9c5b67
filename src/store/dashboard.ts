/**
 * What the dashboard (web/) reads besides the general readers: figures over a time range, flows a
 * page at a time, alerts with the dashboard's filters, who a device talks to, and settings by prefix.
 */
import type { AlertSeverity, AlertStatus, EpochMicros, FlowDirection } from '../records/index.js';

/** A range of event time, `[since, until)`, cut into `buckets` equal steps for the traffic chart. */
export interface OverviewRange {
  since: EpochMicros;
  until: EpochMicros;
  /** 1–1000. */
  buckets: number;
  /** Rows of each top list; 10 when left out. */
  top?: number;
}

export interface TrafficBucket {
  /** Start of the bucket. */
  at: EpochMicros;
  /** Bytes the home network sent (outbound flows' initiator side, inbound flows' responder side). */
  bytesOut: number;
  bytesIn: number;
  flows: number;
}

export interface TopDevice {
  /** Null for traffic from an address no MAC is known for. */
  mac: string | null;
  addr: string;
  name: string | null;
  bytes: number;
  flows: number;
}

export interface TopRemote {
  addr: string;
  /** The TLS SNI, HTTP Host or DNS name most recently seen for it. */
  name: string | null;
  bytes: number;
  flows: number;
  devices: number;
}

export interface DashboardOverview {
  bucketUs: number;
  traffic: TrafficBucket[];
  topDevices: TopDevice[];
  topRemotes: TopRemote[];
  /** Alerts by status and severity (every alert, not only the range). */
  alerts: { status: AlertStatus; severity: AlertSeverity; count: number }[];
  flows: number;
  devices: number;
}

/** A position in the newest-first order of flows: the last row of the previous page. */
export interface FlowCursor {
  firstSeenAt: EpochMicros;
  id: string;
}

/** Filters of the flows explorer; every value is bound as a parameter. */
export interface FlowPageFilter {
  /** A device: MAC, one of its addresses, or its hostname. */
  device?: string;
  /** An address (or CIDR) on either side. */
  addr?: string;
  port?: number;
  /** Protocol name ("tcp") or number as text. */
  protocol?: string;
  /** Text inside the TLS SNI/HTTP Host or the DNS name (case-insensitive). */
  name?: string;
  direction?: FlowDirection;
  since?: EpochMicros;
  until?: EpochMicros;
  before?: FlowCursor;
  /** 1–500; 50 when left out. */
  limit?: number;
}

/** One flow as the explorer shows it. */
export interface FlowRow {
  id: string;
  protocol: string;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  srcMac: string | null;
  dstMac: string | null;
  firstSeenAt: EpochMicros;
  lastSeenAt: EpochMicros;
  srcBytes: number;
  dstBytes: number;
  srcPackets: number;
  dstPackets: number;
  status: string;
  direction: string;
  serverName: string | null;
  dnsName: string | null;
  communityId: string;
}

export interface FlowPage {
  flows: FlowRow[];
  /** Where the next page starts; null on the last page. */
  next: FlowCursor | null;
}

/** Filters of the dashboard's alert list. */
export interface AlertPageFilter {
  status?: AlertStatus;
  minSeverity?: AlertSeverity;
  ruleId?: string;
  /** Alerts of this device (MAC). */
  deviceMac?: string;
  /** Text inside the title or remote address (case-insensitive). */
  text?: string;
  /** 1–500; 100 when left out. */
  limit?: number;
}

/** A remote host a device talked to. */
export interface DevicePeer {
  addr: string;
  name: string | null;
  flows: number;
  bytes: number;
  /** Up to five remote ports, most used first. */
  ports: number[];
  lastSeenAt: EpochMicros;
}
