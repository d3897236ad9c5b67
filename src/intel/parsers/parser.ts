import type { IndicatorDraft } from '../../records/index.js';

/** Facts about the document being parsed that a parser may need. */
export interface ParseContext {
  /** Feed name, for messages. */
  feed: string;
  /** Where the bytes came from (URL or file path), for messages. */
  location: string;
  /** Options from the feed definition (column mapping, value type, default threat, …). */
  options: Readonly<Record<string, unknown>>;
}

/** A problem with one record; parsing goes on. */
export interface ParseIssue {
  /** 1-based line (text formats) or record index (JSON), when known. */
  line: number | null;
  message: string;
}

export interface ParseResult {
  indicators: IndicatorDraft[];
  /** Records skipped as invalid (bad address, unknown pattern, …), counted and the first few described. */
  skipped: number;
  issues: ParseIssue[];
  /** The document's own timestamp (e.g. a "Last updated" banner), when it has one. */
  generatedAt: number | null;
}

/**
 * Turns one downloaded document into indicator drafts. Pure: no I/O, no clock. A document that is not
 * of the parser's format at all (an HTML error page served as CSV, an empty body where entries were
 * expected) throws YamoriError FEED_PARSE_FAILED naming the feed and what was found; a bad record is
 * skipped and counted, never fatal.
 */
export interface FeedParser {
  /** The `format` name feed definitions use (e.g. "feodo-csv", "text-list", "stix21"). */
  name: string;
  parse(text: string, context: ParseContext): ParseResult;
  /**
   * The drafts parse() gives, in the same order, handed over in batches of about `batchRows` as they
   * are made, so a caller can store a million-entry document without holding every draft at once.
   * No batch is empty; all but the last hold at least `batchRows` (a record that makes several drafts
   * may pass it). The generator returns parse()'s result with `indicators`
   * empty, and throws where parse() throws (FEED_PARSE_FAILED comes before any batch).
   */
  parseBatches(
    text: string,
    context: ParseContext,
    batchRows: number,
  ): Generator<IndicatorDraft[], ParseResult, undefined>;
}
