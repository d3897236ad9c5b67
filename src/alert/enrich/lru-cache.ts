/** A bounded map whose entries also expire: the least recently used goes first when it is full. */
export interface LruCache<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  delete(key: K): void;
  readonly size: number;
}

export interface LruCacheOptions {
  maxEntries: number;
  ttlMs: number;
  /** Clock in milliseconds (injected for tests). */
  now?: () => number;
}

export function createLruCache<K, V>(options: LruCacheOptions): LruCache<K, V> {
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, so re-inserting on every hit keeps the oldest first.
  const entries = new Map<K, { value: V; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= now()) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + options.ttlMs });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
