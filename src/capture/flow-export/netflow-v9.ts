import { drop, type DecodeContext } from './decode-context.js';
import { walkSets } from './flow-sets.js';
import { readU32 } from './netflow-v5.js';
import type { RecordFields } from './record-fields.js';

const HEADER_BYTES = 20;

/**
 * NetFlow v9 (RFC 3954): a 20-byte header (version, count, sysUptime ms, UNIX seconds, sequence,
 * source id) and flowsets. Templates belong to (exporter, source id). The header's count is not
 * trusted: the flowset lengths frame the datagram. The wall clock has whole seconds only, so
 * sysUptime-relative times are placed to within a second of what the exporter meant.
 */
export function decodeNetflowV9(b: Uint8Array, ctx: DecodeContext, f: RecordFields): void {
  if (b.length < HEADER_BYTES) {
    drop(ctx, 'truncated');
    return;
  }
  ctx.sysUptimeMs = readU32(b, 4);
  ctx.exportMs = readU32(b, 8) * 1000;
  walkSets(b, HEADER_BYTES, b.length, ctx, f, readU32(b, 16), false);
}
