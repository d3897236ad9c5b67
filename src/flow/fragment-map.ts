/** Where a datagram's first fragment was accounted. */
export interface FirstFragment {
  /** The flow's id and its serial then: when the serial at that id has changed, the flow has ended. */
  flowId: number;
  serial: number;
  fromSrc: boolean;
  expiresUs: number;
}

export interface FragmentMap {
  /** Notes the flow of a first fragment (offset 0, more fragments follow). `key` names the datagram. */
  remember(key: string, flowId: number, serial: number, fromSrc: boolean, timestampUs: number): void;
  /** Where the first fragment of the datagram `key` went, or null when it is unknown or too old. */
  find(key: string, timestampUs: number): FirstFragment | null;
  expire(nowUs: number): void;
  clear(): void;
  readonly size: number;
}

/** Linux keeps fragments 30 s (ipfrag_time); RFC 791 suggests up to 15 s per hop. 30 s is generous. */
export const FRAGMENT_TIMEOUT_US = 30_000_000;
/** A flood of first fragments must not grow memory without bound: past this, the oldest are dropped. */
export const MAX_FRAGMENTED_DATAGRAMS = 65_536;

/** The key of a fragmented datagram: (src, dst, proto, fragment id), as RFC 791 reassembly uses. */
export function fragmentKey(srcAddr: string, dstAddr: string, ipProto: number, fragmentId: number): string {
  return `${srcAddr} ${dstAddr} ${ipProto} ${fragmentId}`;
}

/**
 * Datagram key → where its first fragment went, with expiry. Entries sit in a Map in insertion order,
 * which is time order, so expiry and the size cap both drop from the front. Fragments are rare, so
 * a text key costs nothing that matters.
 */
export function createFragmentMap(maxEntries = MAX_FRAGMENTED_DATAGRAMS): FragmentMap {
  const entries = new Map<string, FirstFragment>();
  return {
    remember(key, flowId, serial, fromSrc, timestampUs) {
      entries.delete(key);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, { flowId, serial, fromSrc, expiresUs: timestampUs + FRAGMENT_TIMEOUT_US });
    },
    find(key, timestampUs) {
      const entry = entries.get(key);
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
