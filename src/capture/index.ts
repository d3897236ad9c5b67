/**
 * Packet sources: pcap and pcapng files (plain or gzip, from a path or standard input), live capture
 * through tcpdump, Yamori's own synthetic home-network capture, and flow exports (NetFlow v5/v9, IPFIX,
 * sFlow v5 datagrams decoded one at a time into one-way flow records, in flow-export/). Flow records
 * that others wrote: Zeek logs (zeek/) and Suricata eve.json (eve/), read line by line into LoggedFlow,
 * DNS answers and names; the kernel's connection events through the conntrack tool (conntrack/).
 * The self-check (self-check/) reads what would hide traffic from these sources on this machine.
 *
 * In: a file, a stream, or an interface. Out: batches of CapturedPacket (bytes, link type, time), or
 * of FrameBatch (the same as parallel arrays, reused from batch to batch) for the import path.
 * Streaming: at most one incomplete record is buffered, so a 10 GB file never sits in memory. A damaged
 * file yields every packet before the damage, then throws PCAP_TRUNCATED or PCAP_CORRUPT with the offset.
 * Called by daemon/ pipelines and cli/; imports decode/, config/ and the leaves.
 */
export type { CapturedPacket } from './captured-packet.js';
export {
  readCapture,
  readCaptureFrames,
  type CaptureReader,
  type FrameReader,
  type CaptureReadStats,
  type ReadCaptureOptions,
  type CaptureInput,
} from './read-capture.js';
export { FrameBatch } from './frame-batch.js';
export type { CaptureFormat } from './record-parser.js';
export { openCaptureFile } from './open-capture-file.js';
export {
  createLiveCapture,
  type LiveCapture,
  type LiveCaptureDeps,
  type LiveCaptureStats,
} from './live-capture.js';
export type { SpawnFn } from './tcpdump-process.js';
export { generateHomeNetworkCapture, type HomeNetworkCaptureOptions } from './sample/home-network.js';
export {
  HOME_NETWORK_DEVICES,
  HOME_NETWORK_LAYOUT,
  SAMPLE_INDICATORS,
  type HomeNetworkDevice,
} from './sample/home-network-devices.js';
export { sampleFeodoCsv, sampleUrlhausCsv } from './sample/sample-feeds.js';
export { generateBulkTraffic, type BulkTrafficOptions } from './sample/bulk-traffic.js';
export {
  writePcapFile,
  createPcapWriter,
  type PcapWriter,
  type PcapWriterOptions,
  type TimedFrame,
} from './sample/pcap-writer.js';
export {
  createFlowExportCollector,
  DROP_REASONS,
  type FlowExportCollector,
  type FlowExportCollectorDeps,
  type FlowExportCollectorOptions,
  type FlowExportStats,
  type ExporterStats,
  type DropReason,
  type DropCounts,
  OneWayRow,
} from './flow-export/index.js';
export { openLogFile, readLogLines, type LogLineBatch, type ReadLogLinesOptions } from './read-log-lines.js';
export { normaliseHttpHost, type LoggedFlow, type LoggedNames } from './logged-flow.js';
export { ZeekLogParser, ZeekLine, type ZeekLogKind } from './zeek/zeek-log-parser.js';
export { readZeekConnection, type ZeekConnection } from './zeek/zeek-conn.js';
export { readZeekDns } from './zeek/zeek-dns.js';
export { readZeekSsl, readZeekHttp, type ZeekNames } from './zeek/zeek-names.js';
export { readEveEvent, type EveEvent, type ReadEveOptions } from './eve/read-eve-event.js';
export { parseConntrackLine, type ConntrackEvent, type ConntrackTuple } from './conntrack/conntrack-event.js';
export { conntrackFlow, readConntrackTimeouts, type ConntrackTimeouts } from './conntrack/conntrack-flow.js';
export {
  createConntrackSource,
  conntrackArgs,
  type ConntrackSource,
  type ConntrackSourceDeps,
  type ConntrackSourceOptions,
  type ConntrackSourceStats,
} from './conntrack/conntrack-source.js';
export {
  runSelfCheck,
  problemsIn,
  type Finding,
  type FindingSeverity,
  type SelfCheckInputs,
  type SelfCheckSource,
} from './self-check/self-check.js';
export { gatherSelfCheckInputs, type GatherOptions } from './self-check/gather-self-check-inputs.js';
