import type { PacketSummary } from '../decode/index.js';
import type { FlowState } from './flow-state.js';

/** Where a datagram's first fragment was accounted. */
export interface FirstFragment {
  /** The flow as it was; it may have been emitted since (`isRemoved`). */
  flow: FlowState;
  fromSrc: boolean;
  expiresUs: number;
}

export interface FragmentMap {
  /** Notes the flow of a first fragment (offset 0, more fragments follow). */
  remember(p: PacketSummary, flow: FlowState, fromSrc: boolean, timestampUs: number): void;
  /** The flow of the datagram a later fragment belongs to, or null when its first fragment is unknown. */
  find(p: PacketSummary, timestampUs: number): FirstFragment | null;
  expire(nowUs: number): void;
  clear(): void;
  readonly size: number;
}

/** Linux keeps fragments 30 s (ipfrag_time); RFC 791 suggests up to 15 s per hop. 30 s is generous. */
export const FRAGMENT_TIMEOUT_US = 30_000_000;
/** A flood of first fragments must not grow memory without bound: past this, the oldest are dropped. */
export const MAX_FRAGMENTED_DATAGRAMS = 65_536;

/**
 * (src, dst, proto, fragment id) → flow key, with expiry. Entries sit in a Map in insertion order,
 * which is time order, so expiry and the size cap both drop from the front.
 */
export function createFragmentMap(maxEntries = MAX_FRAGMENTED_DATAGRAMS): FragmentMap {
  const entries = new Map<string, FirstFragment>();

  function keyOf(p: PacketSummary): string {
    return `${p.srcAddr} ${p.dstAddr} ${p.ipProto} ${p.fragmentId}`;
  }

  return {
    remember(p, flow, fromSrc, timestampUs) {
      const key = keyOf(p);
      entries.delete(key);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, { flow, fromSrc, expiresUs: timestampUs + FRAGMENT_TIMEOUT_US });
    },
    find(p, timestampUs) {
      const entry = entries.get(keyOf(p));
      if (entry === undefined || entry.expiresUs < timestampUs) return null;
      return entry;
    },
    expire(nowUs) {
      for (const [key, entry] of entries) {
        if (entry.expiresUs >= nowUs) break;
        entries.delete(key);
      }
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
