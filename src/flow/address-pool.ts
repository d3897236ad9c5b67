const POOL_PAGE_BITS = 13;
const POOL_PAGE_SIZE = 1 << POOL_PAGE_BITS;
const POOL_PAGE_MASK = POOL_PAGE_SIZE - 1;
/** Words of one entry: the src and the dst address, four big-endian words each. */
const ENTRY_WORDS = 8;
/** Memory of one pool page. */
export const POOL_PAGE_BYTES = POOL_PAGE_SIZE * ENTRY_WORDS * 4;

/**
 * The IPv6 addresses of live flows, out of their records: a flow record keeps two words for its
 * addresses, which hold an IPv4 flow's addresses or an IPv6 flow's entry number here (32 bytes: its
 * src and dst as four words each). Most flows are IPv4, so the table no longer carries 24 unused
 * bytes in each of them. Entries are numbered like flow ids: paged, released numbers reused first,
 * an emptied page let go of on request while the table is emptied.
 */
export class AddressPool {
  private readonly pages: (Int32Array | null)[] = [];
  private live: Int32Array = new Int32Array(16);
  private highWater = 0;
  private free: Int32Array = new Int32Array(64);
  private freeCount = 0;

  /** A new entry's number; its words are for the caller to write. */
  allocate(): number {
    let entry: number;
    if (this.freeCount > 0) {
      entry = this.free[--this.freeCount]!;
      if (this.pages[entry >>> POOL_PAGE_BITS] === null) this.pages[entry >>> POOL_PAGE_BITS] = newPoolPage();
    } else {
      entry = this.highWater++;
      if (entry >>> POOL_PAGE_BITS >= this.pages.length) {
        this.pages.push(newPoolPage());
        if (this.live.length < this.pages.length) {
          const grown = new Int32Array(this.live.length * 2);
          grown.set(this.live);
          this.live = grown;
        }
      }
    }
    this.live[entry >>> POOL_PAGE_BITS]!++;
    return entry;
  }

  release(entry: number): void {
    if (this.freeCount === this.free.length) {
      const grown = new Int32Array(this.free.length * 2);
      grown.set(this.free);
      this.free = grown;
    }
    this.free[this.freeCount++] = entry;
    this.live[entry >>> POOL_PAGE_BITS]!--;
  }

  /** Lets the page of `entry` (a released one) go when none of its entries is live; true when it did. */
  dropIfEmpty(entry: number): boolean {
    const number = entry >>> POOL_PAGE_BITS;
    if (this.live[number] !== 0 || this.pages[number] === null) return false;
    this.pages[number] = null;
    return true;
  }

  /** The words of a live entry: the src address at `srcAt(entry)`, the dst address 4 words after. */
  words(entry: number): Int32Array {
    return this.pages[entry >>> POOL_PAGE_BITS]!;
  }
}

/** Where the src address of `entry` starts in `words(entry)`. */
export function srcAt(entry: number): number {
  return (entry & POOL_PAGE_MASK) * ENTRY_WORDS;
}

function newPoolPage(): Int32Array {
  return new Int32Array(POOL_PAGE_SIZE * ENTRY_WORDS);
}
