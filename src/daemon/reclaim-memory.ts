import { Session } from 'node:inspector';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Made on first use; undefined once it turned out that this Node has no inspector. */
let session: Session | null | undefined = null;

/**
 * Gives the memory of ArrayBuffers nothing refers to any more back now rather than at some later
 * collection. The flow table asks for it while it is emptied at shutdown (a million live flows are
 * some 170 MB of pages let go of a page at a time): V8 finds a dead ArrayBuffer only in a full
 * collection, and the writing that empties the table makes only young garbage, so without this the
 * pages stay resident beside the database's write buffers until the process ends.
 *
 * `collect` runs the full collection at once, through the in-process inspector protocol
 * (`HeapProfiler.collectGarbage`, which needs no command-line flag and opens no port); a few tens of
 * milliseconds on the importer's heap, asked for once per 16 MB let go of. The buffers' memory is
 * returned on the event loop's next turn: a caller that is not going to give the loop a turn soon
 * (a write stream that only awaits settled promises) awaits `settle` after a `collect`.
 */
export class MemoryReclaimer {
  private isPending = false;

  collect(): void {
    if (session === undefined) return;
    try {
      if (session === null) {
        session = new Session();
        session.connect();
      }
      session.post('HeapProfiler.collectGarbage');
      this.isPending = true;
    } catch {
      // A Node built without the inspector: the memory is freed at some later collection instead.
      session = undefined;
    }
  }

  /** Lets the event loop turn once if `collect` ran since the last call. */
  async settle(): Promise<void> {
    if (!this.isPending) return;
    this.isPending = false;
    await nextTurn();
  }
}
