/**
 * Packet sources: pcap and pcapng files (plain or gzip, from a path or standard input), live capture
 * through tcpdump, and Yamori's own synthetic home-network capture.
 *
 * In: a file, a stream, or an interface. Out: batches of CapturedPacket (bytes, link type, time).
 * Streaming: at most one incomplete record is buffered, so a 10 GB file never sits in memory. A damaged
 * file yields every packet before the damage, then throws PCAP_TRUNCATED or PCAP_CORRUPT with the offset.
 * Called by daemon/ pipelines and cli/; imports config/ and the leaves.
 */
export type { CapturedPacket } from './captured-packet.js';
export {
  readCapture,
  type CaptureReader,
  type CaptureReadStats,
  type ReadCaptureOptions,
  type CaptureInput,
} from './read-capture.js';
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
export { generateBulkTraffic, type BulkTrafficOptions } from './sample/bulk-traffic.js';
export {
  writePcapFile,
  createPcapWriter,
  type PcapWriter,
  type PcapWriterOptions,
  type TimedFrame,
} from './sample/pcap-writer.js';
