import { drop, emitFlowRecord, type DecodeContext } from './decode-context.js';
import type { RecordFields } from './record-fields.js';

const HEADER_BYTES = 24;
const RECORD_BYTES = 48;

/**
 * NetFlow v5: a fixed 24-byte header and up to 30 fixed 48-byte IPv4 records
 * (https://www.cisco.com/c/en/us/td/docs/net_mgmt/netflow_collection_engine/3-6/user/guide/format.html).
 * Times are sysUptime milliseconds; the header's uptime and wall clock place them. The header's
 * sampling field holds the mode in its top 2 bits and the interval in the low 14.
 */
export function decodeNetflowV5(b: Uint8Array, ctx: DecodeContext, f: RecordFields): void {
  if (b.length < HEADER_BYTES) {
    drop(ctx, 'truncated');
    return;
  }
  const count = (b[2]! << 8) | b[3]!;
  if (count === 0) {
    drop(ctx, 'bad_header');
    return;
  }
  if (HEADER_BYTES + count * RECORD_BYTES > b.length) {
    drop(ctx, 'truncated');
    return;
  }
  ctx.sysUptimeMs = readU32(b, 4);
  ctx.exportMs = readU32(b, 8) * 1000 + Math.floor(readU32(b, 12) / 1_000_000);
  ctx.headerSamplingRate = ((b[22]! << 8) | b[23]!) & 0x3fff;
  for (let i = 0, at = HEADER_BYTES; i < count; i++, at += RECORD_BYTES) {
    f.reset();
    f.src4At = at;
    f.dst4At = at + 4;
    f.input = (b[at + 12]! << 8) | b[at + 13]!;
    f.output = (b[at + 14]! << 8) | b[at + 15]!;
    f.packets = readU32(b, at + 16);
    f.octets = readU32(b, at + 20);
    f.firstUptimeMs = readU32(b, at + 24);
    f.lastUptimeMs = readU32(b, at + 28);
    f.srcPort = (b[at + 32]! << 8) | b[at + 33]!;
    f.dstPort = (b[at + 34]! << 8) | b[at + 35]!;
    f.tcpFlags = b[at + 37]!;
    f.protocol = b[at + 38]!;
    emitFlowRecord(ctx, b, f, 0);
  }
}

export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
