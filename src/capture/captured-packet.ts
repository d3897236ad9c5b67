import type { EpochMicros } from '../records/index.js';

/** One packet as a capture source hands it on: the bytes and what the capture format said about them. */
export interface CapturedPacket {
  /** When the packet was captured, in microseconds since the epoch (finer timestamps are truncated). */
  timestampUs: EpochMicros;
  /** pcap LINKTYPE_* of the packet's interface (see `LinkType` in decode/). */
  linkType: number;
  /** Interface number within its pcapng section (as tshark's `frame.interface_id`); 0 for classic pcap. */
  interfaceIndex: number;
  /** The interface's `if_name` in pcapng; null when the file does not say. */
  interfaceName: string | null;
  /**
   * Captured bytes. A view into the reader's buffers, valid only until the next batch is requested:
   * consumers copy what they keep.
   */
  data: Uint8Array;
  /** Length of the packet on the wire; larger than `data.length` when the snap length cut it. */
  originalLength: number;
}
