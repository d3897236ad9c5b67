import { drop, type DecodeContext } from './decode-context.js';
import { walkSets } from './flow-sets.js';
import { readU32 } from './netflow-v5.js';
import type { RecordFields } from './record-fields.js';

const HEADER_BYTES = 16;

/**
 * IPFIX (RFC 7011): a 16-byte message header (version 10, length, export time in seconds, sequence,
 * observation domain) and sets. The header's length must fit the datagram; bytes after it are
 * ignored. sysUpTime-relative times need the domain's systemInitTimeMilliseconds, from an options
 * record or the data record itself.
 */
export function decodeIpfix(b: Uint8Array, ctx: DecodeContext, f: RecordFields): void {
  if (b.length < HEADER_BYTES) {
    drop(ctx, 'truncated');
    return;
  }
  const length = (b[2]! << 8) | b[3]!;
  if (length < HEADER_BYTES) {
    drop(ctx, 'bad_header');
    return;
  }
  if (length > b.length) {
    drop(ctx, 'truncated');
    return;
  }
  ctx.sysUptimeMs = -1;
  ctx.exportMs = readU32(b, 4) * 1000;
  walkSets(b, HEADER_BYTES, length, ctx, f, readU32(b, 12), true);
}
