/**
 * Merges many scripted sessions into one stream in timestamp order. Each session is a lazy iterator of
 * frames in its own time order that starts no earlier than its start time; it is created only when the
 * merged stream reaches that time, so a long capture holds just the sessions in progress.
 */
import type { TimedFrame } from './pcap-writer.js';

export interface Session {
  startUs: number;
  run: () => Iterator<TimedFrame>;
}

interface Entry {
  keyUs: number;
  /** Scheduling order: breaks ties so equal timestamps come out the same way every run. */
  order: number;
  session: Session;
  iterator: Iterator<TimedFrame> | null;
  pending: TimedFrame | null;
}

/** Yields every frame with a timestamp before `endUs`, in timestamp order. */
export function* mergeSessions(sessions: Iterable<Session>, endUs: number): Generator<TimedFrame> {
  const heap = new EntryHeap();
  let order = 0;
  for (const session of sessions) {
    heap.push({ keyUs: session.startUs, order: order++, session, iterator: null, pending: null });
  }
  let lastUs = -Infinity;
  for (let entry = heap.pop(); entry && entry.keyUs < endUs; entry = heap.pop()) {
    if (entry.pending) {
      lastUs = entry.pending.timestampUs;
      yield entry.pending;
      entry.pending = null;
    }
    entry.iterator ??= entry.session.run();
    const next = entry.iterator.next();
    if (next.done) continue;
    if (next.value.timestampUs < lastUs) {
      // A session stepping back in time is a bug in its script; the merged order would silently break.
      throw new Error(
        `session scheduled at ${entry.session.startUs} went back in time to ${next.value.timestampUs}`,
      );
    }
    entry.pending = next.value;
    entry.keyUs = next.value.timestampUs;
    heap.push(entry);
  }
}

/** A binary min-heap on (keyUs, order). */
class EntryHeap {
  private readonly items: Entry[] = [];

  push(entry: Entry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && before(items[right]!, items[left]!) ? right : left;
      if (!before(items[child]!, last)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.keyUs < b.keyUs || (a.keyUs === b.keyUs && a.order < b.order);
}
