import { indicatorKey, type IndicatorDraft } from '../../records/index.js';
import type { DraftBatches } from '../store.js';

/**
 * The drafts of one snapshot as the store reads them: an array deduplicated up front (the last
 * draft of a key wins), or batches taken as they come. An error the batches throw is kept, so the
 * store can hand it back unchanged once it has rolled back.
 */
export class SnapshotDrafts {
  readonly isBatches: boolean;
  /** Batches whose maker vouches that no key comes twice (DraftBatches.uniqueKeys). */
  readonly uniqueKeys: boolean;
  /** For messages: "2 indicators", or "the indicators" when they come in batches. */
  readonly description: string;
  /** What reading the batches threw, if anything. */
  failure: { error: unknown } | null = null;
  private readonly iterator: Iterator<readonly IndicatorDraft[]>;

  constructor(drafts: readonly IndicatorDraft[] | DraftBatches) {
    if (isDraftArray(drafts)) {
      this.isBatches = false;
      this.uniqueKeys = true;
      this.description = `${drafts.length} indicators`;
      this.iterator = [lastOfEachKey(drafts)][Symbol.iterator]();
    } else {
      this.isBatches = true;
      this.uniqueKeys = drafts.uniqueKeys === true;
      this.description = 'the indicators';
      this.iterator = drafts.batches[Symbol.iterator]();
    }
  }

  /** The next batch with drafts in it, or null after the last. */
  next(): readonly IndicatorDraft[] | null {
    try {
      for (;;) {
        const step = this.iterator.next();
        if (step.done === true) return null;
        if (step.value.length > 0) return step.value;
      }
    } catch (error) {
      this.failure = { error };
      throw error;
    }
  }
}

function isDraftArray(drafts: readonly IndicatorDraft[] | DraftBatches): drafts is readonly IndicatorDraft[] {
  return Array.isArray(drafts);
}

/** The drafts without those a later draft of the same key replaces, in document order. */
function lastOfEachKey(drafts: readonly IndicatorDraft[]): readonly IndicatorDraft[] {
  const last = new Map<string, number>();
  for (let i = 0; i < drafts.length; i++) last.set(indicatorKey(drafts[i]!), i);
  if (last.size === drafts.length) return drafts;
  return drafts.filter((draft, i) => last.get(indicatorKey(draft)) === i);
}
