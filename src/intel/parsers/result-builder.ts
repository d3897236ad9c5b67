import type { EpochMicros, IndicatorDraft, IndicatorType } from '../../records/index.js';
import { hostFromUrl } from '../normalise-indicator.js';
import { DraftKeySet } from './draft-key-set.js';
import { parseFailed } from './parse-failed.js';
import type { ParseContext, ParseIssue, ParseResult } from './parser.js';
import { readDefaults, type ParserDefaults } from './parser-options.js';

/** Issues described in a result; the rest are only counted. */
export const MAX_ISSUES = 20;

/**
 * Collects the drafts of one parse. It fills in the defaults, drops repeated entries, counts and
 * describes skipped records, and decides whether an empty result is a real empty list or a failure.
 *
 * Duplicates: an entry whose indicatorKey (type, value, port) was already seen is dropped, keeping
 * the first; it counts in `skipped`, and one issue gives the count and the first line. A value
 * derived from another (the host of a URL) is deduplicated silently, as many URLs share a host.
 *
 * Empty results: zero entries with invalid records is FEED_PARSE_FAILED (the server sent something
 * else, and trusting it would retire every indicator); zero entries with neither invalid records nor
 * a recognisable header or banner is FEED_PARSE_FAILED too (an empty body). Zero entries under a
 * recognised header is a real, empty list (Spamhaus EDROP after its merge into DROP).
 *
 * Batches: with `batchRows` set, a parser built with batchedParser() takes the kept drafts every
 * `batchRows` (takeBatch(), when batchFull) and yields them, so a million-row document never holds
 * every draft at once; finish() then returns only the drafts not yet taken. A parser checks
 * batchFull before it reads the next record, so a draft may still be changed until then.
 */
export class ResultBuilder {
  readonly defaults: ParserDefaults;
  /** Kept drafts not yet taken by takeBatch(). */
  private pending: IndicatorDraft[] = [];
  private kept = 0;
  private readonly keys = new DraftKeySet();
  private readonly issues: ParseIssue[] = [];
  private invalid = 0;
  private duplicates = 0;
  private firstDuplicateLine: number | null = null;

  constructor(
    private readonly context: ParseContext,
    private readonly format: string,
    fallback: Partial<ParserDefaults>,
    private readonly batchRows = Infinity,
  ) {
    this.defaults = readDefaults(context, format, fallback);
  }

  /** A draft with the defaults filled in; the caller sets what its record says, then add()s it. */
  draft(type: IndicatorType, value: string, raw: unknown): IndicatorDraft {
    const defaults = this.defaults;
    return {
      type,
      value,
      port: null,
      threat: defaults.threat,
      malwareFamily: defaults.malwareFamily,
      confidence: defaults.confidence,
      tags: defaults.tags.length === 0 ? [] : defaults.tags.slice(),
      reference: null,
      sourceFirstSeenAt: null,
      sourceLastSeenAt: null,
      validFrom: null,
      validUntil: null,
      revoked: false,
      raw,
    };
  }

  /** Keeps the draft unless an entry with the same key came first (then it counts as a duplicate). */
  add(draft: IndicatorDraft, line: number | null): void {
    if (!this.keys.add(draft)) {
      this.duplicates++;
      this.firstDuplicateLine ??= line;
      return;
    }
    this.pending.push(draft);
    this.kept++;
  }

  /** Keeps a derived draft (a URL's host) unless its key was already seen; repeats are not counted. */
  addDerived(draft: IndicatorDraft): void {
    if (!this.keys.add(draft)) return;
    this.pending.push(draft);
    this.kept++;
  }

  /** True when `batchRows` drafts wait to be taken; never without `batchRows`. */
  get batchFull(): boolean {
    return this.pending.length >= this.batchRows;
  }

  /** The kept drafts not taken yet, which the builder then forgets. */
  takeBatch(): IndicatorDraft[] {
    const batch = this.pending;
    this.pending = [];
    return batch;
  }

  /**
   * Adds the host (domain or address) of a URL indicator as its own indicator with the URL's threat,
   * its raw record saying where it came from. Gives the host draft (to add a reference), or null when
   * the URL has no usable host.
   */
  addHostOf(urlDraft: IndicatorDraft, raw: Record<string, unknown>): IndicatorDraft | null {
    const host = hostFromUrl(urlDraft.value);
    if (host === null) return null;
    const hostDraft = this.draft(host.type, host.value, { derived_from: urlDraft.value, ...raw });
    hostDraft.threat = urlDraft.threat;
    this.addDerived(hostDraft);
    return hostDraft;
  }

  /** Counts an invalid record, describing the first MAX_ISSUES. */
  skip(line: number | null, message: string): void {
    this.invalid++;
    if (this.issues.length < MAX_ISSUES) this.issues.push({ line, message });
  }

  /** Drafts kept so far, taken or not. */
  get count(): number {
    return this.kept;
  }

  /**
   * The result, or FEED_PARSE_FAILED under the rules in the class comment. Its `indicators` are the
   * drafts not taken by takeBatch(): all of them unless the parse ran in batches.
   */
  finish(generatedAt: EpochMicros | null, recognised: boolean): ParseResult {
    if (this.kept === 0) {
      if (this.invalid > 0) {
        const first = this.issues[0];
        const where =
          first === undefined
            ? ''
            : ` (first: ${first.line === null ? '' : `line ${first.line}: `}${first.message})`;
        throw parseFailed(
          this.context,
          this.format,
          `holds no valid ${this.format} entries: all ${this.invalid} records were invalid${where}`,
        );
      }
      if (!recognised)
        throw parseFailed(this.context, this.format, `holds no ${this.format} entries and no header`);
    }
    const issues = this.issues;
    if (this.duplicates > 0) {
      issues.push({
        line: this.firstDuplicateLine,
        message: `${this.duplicates} repeated ${this.duplicates === 1 ? 'entry was' : 'entries were'} dropped, keeping the first`,
      });
    }
    return { indicators: this.pending, skipped: this.invalid + this.duplicates, issues, generatedAt };
  }
}
