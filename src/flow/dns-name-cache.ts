/** Remembers which name each client resolved to each address, for a flow's `dnsName`. */
export interface DnsNameCache {
  remember(clientAddr: string, answerAddr: string, name: string, seenAtUs: number): void;
  /** The name `clientAddr` last resolved to `addr`, if it is at most the maximum age old at `atUs`. */
  lookup(clientAddr: string, addr: string, atUs: number): string | null;
  /** Drops entries older than the maximum age at `nowUs`. */
  expire(nowUs: number): void;
  readonly size: number;
}

/** Enough for every recent lookup of a busy household; past it the oldest answers are forgotten. */
export const MAX_DNS_NAMES = 100_000;

interface Entry {
  name: string;
  seenAtUs: number;
}

/**
 * A bounded map in answer order: remembering an answer again moves it to the back, so the front is
 * always the oldest answer and both expiry and the size cap drop from there.
 */
export function createDnsNameCache(maxAgeUs: number, maxEntries = MAX_DNS_NAMES): DnsNameCache {
  const entries = new Map<string, Entry>();
  return {
    remember(clientAddr, answerAddr, name, seenAtUs) {
      const key = `${clientAddr} ${answerAddr}`;
      entries.delete(key);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, { name, seenAtUs });
    },
    lookup(clientAddr, addr, atUs) {
      if (entries.size === 0) return null;
      const entry = entries.get(`${clientAddr} ${addr}`);
      if (entry === undefined || atUs - entry.seenAtUs > maxAgeUs || atUs < entry.seenAtUs) return null;
      return entry.name;
    },
    expire(nowUs) {
      for (const [key, entry] of entries) {
        if (nowUs - entry.seenAtUs <= maxAgeUs) break;
        entries.delete(key);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
