import type { IndicatorDraft } from '../../records/index.js';
import type { FeedParser, ParseContext, ParseResult } from './parser.js';

/**
 * A parse written once as a generator: it passes `batchRows` to its ResultBuilder and yields
 * `takeBatch()` whenever `batchFull` before reading the next record. parse() runs it with no batch
 * size, so it never yields and returns every draft.
 */
export type BatchedParse = (
  text: string,
  context: ParseContext,
  batchRows: number,
) => Generator<IndicatorDraft[], ParseResult, undefined>;

/** A FeedParser whose parse() and parseBatches() share one generator. */
export function batchedParser(name: string, run: BatchedParse): FeedParser {
  return {
    name,
    parse: (text, context) => runToEnd(run(text, context, Infinity)),
    parseBatches: (text, context, batchRows) => batchesOf(run(text, context, checkBatchRows(batchRows))),
  };
}

/**
 * A FeedParser for a format read whole before any draft exists (a STIX bundle, whose indicators are
 * deduplicated by modification time): parseBatches() slices parse()'s result.
 */
export function wholeDocumentParser(name: string, parse: FeedParser['parse']): FeedParser {
  return {
    name,
    parse,
    *parseBatches(text, context, batchRows) {
      const size = checkBatchRows(batchRows);
      const result = parse(text, context);
      const drafts = result.indicators;
      for (let start = 0; start < drafts.length; start += size) yield drafts.slice(start, start + size);
      return { ...result, indicators: [] };
    },
  };
}

function runToEnd(parse: Generator<IndicatorDraft[], ParseResult, undefined>): ParseResult {
  const step = parse.next();
  if (!step.done) throw new Error('a parse without a batch size yielded a batch');
  return step.value;
}

function* batchesOf(
  parse: Generator<IndicatorDraft[], ParseResult, undefined>,
): Generator<IndicatorDraft[], ParseResult, undefined> {
  const result = yield* parse;
  if (result.indicators.length > 0) yield result.indicators;
  return { ...result, indicators: [] };
}

function checkBatchRows(batchRows: number): number {
  if (!Number.isInteger(batchRows) || batchRows < 1)
    throw new RangeError(`batchRows must be a positive integer, not ${batchRows}`);
  return batchRows;
}
