/**
 * The suite every FeedParser passes, run by each parser's own test file with its real sample (from
 * ../shared/feeds, skipped with a visible reason when absent) or a fixture from ./fixtures.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isYamoriError } from '../../errors/index.js';
import { indicatorKey, type IndicatorType } from '../../records/index.js';
import { normaliseValue } from '../normalise-indicator.js';
import type { FeedParser, ParseContext, ParseResult } from './parser.js';

/** The folder of real third-party feed samples, read at test time and never copied into the repo. */
export const SHARED_FEEDS = path.resolve(process.cwd(), '../shared/feeds');

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A real sample from ../shared/feeds, or null when that folder is absent. */
export function readSharedFeed(file: string): string | null {
  const full = path.join(SHARED_FEEDS, file);
  return existsSync(full) ? readFileSync(full, 'utf8') : null;
}

/** A fixture from ./fixtures (always present). */
export function readFixture(file: string): string {
  return readFileSync(path.join(FIXTURES, file), 'utf8');
}

export interface ContractSample {
  /** What the sample is (a file name), for test names. */
  name: string;
  /** Its text; null when the file is absent (the suite is then skipped, saying so). */
  text: string | null;
  options?: Record<string, unknown>;
  /** A sample that is a real empty list (Spamhaus EDROP after the merge). */
  isEmptyList?: boolean;
}

const INDICATOR_TYPES: readonly IndicatorType[] = [
  'ipv4',
  'ipv6',
  'cidr',
  'domain',
  'url',
  'ja3',
  'ja4',
  'cert_sha1',
  'md5',
  'sha1',
  'sha256',
  'asn',
  'email',
];

export function contextFor(name: string, options: Record<string, unknown> = {}): ParseContext {
  return { feed: 'contract', location: `test://${name}`, options };
}

/** Runs the parser; returns the result, or the FEED_PARSE_FAILED error, and fails on anything else. */
export function parseOrFail(
  parser: FeedParser,
  text: string,
  context: ParseContext,
): ParseResult | 'FEED_PARSE_FAILED' {
  try {
    return parser.parse(text, context);
  } catch (error) {
    if (isYamoriError(error) && error.code === 'FEED_PARSE_FAILED') return 'FEED_PARSE_FAILED';
    throw error;
  }
}

/** parseBatches() run to the end, its batches put back together into one result. */
export function collectBatches(
  parser: FeedParser,
  text: string,
  context: ParseContext,
  batchRows: number,
): ParseResult {
  const batches = parser.parseBatches(text, context, batchRows);
  const drafts: ParseResult['indicators'] = [];
  for (let step = batches.next(); ; step = batches.next()) {
    if (step.done) return { ...step.value, indicators: drafts };
    drafts.push(...step.value);
  }
}

/** The result as plain data (what the store writes), so a raw record with toJSON compares by what it serialises to. */
export function plain(result: ParseResult): ParseResult {
  return JSON.parse(JSON.stringify(result)) as ParseResult;
}

function expectWellFormed(result: ParseResult): void {
  for (const draft of result.indicators) {
    expect(INDICATOR_TYPES).toContain(draft.type);
    const again = normaliseValue(draft.type, draft.value);
    expect(again, `${draft.type} ${draft.value} normalises to itself`).toEqual({
      type: draft.type,
      value: draft.value,
    });
    expect(draft.raw).toBeDefined();
    expect(draft.raw).not.toBeNull();
    expect(typeof JSON.stringify(draft.raw)).toBe('string');
    if (draft.port !== null)
      expect(Number.isInteger(draft.port) && draft.port >= 0 && draft.port <= 65535).toBe(true);
    if (draft.confidence !== null) expect(draft.confidence >= 0 && draft.confidence <= 100).toBe(true);
    expect(draft.tags.every((tag) => typeof tag === 'string' && tag.length > 0)).toBe(true);
    for (const at of [draft.sourceFirstSeenAt, draft.sourceLastSeenAt, draft.validFrom, draft.validUntil]) {
      if (at !== null) expect(Number.isFinite(at)).toBe(true);
    }
  }
  expect(result.skipped).toBeGreaterThanOrEqual(0);
  if (result.generatedAt !== null) expect(Number.isFinite(result.generatedAt)).toBe(true);
}

const HTML_PAGE =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>502 Bad Gateway</title></head>\n' +
  '<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n';

/** A 10 MB line mixing the characters parsers split on: quotes, commas, blanks, dots, slashes. */
const HUGE_LINE = 'x1.2.3.4,"q" ;/a:'.repeat(Math.ceil(10_000_000 / 17));

export function describeParserContract(parser: FeedParser, samples: readonly ContractSample[]): void {
  for (const sample of samples) {
    const present = sample.text !== null;
    const title = present
      ? `${parser.name} on ${sample.name} (FeedParser contract)`
      : `${parser.name} on ${sample.name} (FeedParser contract) — skipped: ${sample.name} is not in ${SHARED_FEEDS}`;
    describe.skipIf(!present)(title, () => {
      const text = sample.text ?? '';
      const context = contextFor(sample.name, sample.options);

      it('returns drafts whose values are already normalised, with valid types and the raw record', () => {
        const result = parser.parse(text, context);
        if (sample.isEmptyList === true) expect(result.indicators).toHaveLength(0);
        else expect(result.indicators.length).toBeGreaterThan(0);
        expectWellFormed(result);
      });

      it('lists each indicatorKey once', () => {
        const keys = parser.parse(text, context).indicators.map(indicatorKey);
        expect(new Set(keys).size).toBe(keys.length);
      });

      it('hands over in batches exactly the drafts parse() returns, in order, whatever the batch size', () => {
        const whole = plain(parser.parse(text, context));
        for (const batchRows of [1, 7, 1000]) {
          const batches = parser.parseBatches(text, context, batchRows);
          const sizes: number[] = [];
          const drafts: ParseResult['indicators'] = [];
          let step = batches.next();
          for (; !step.done; step = batches.next()) {
            sizes.push(step.value.length);
            drafts.push(...step.value);
          }
          expect(step.value.indicators).toEqual([]);
          expect(plain({ ...step.value, indicators: drafts })).toEqual(whole);
          // Every batch but the last holds at least batchRows (a record adding several drafts may pass it).
          expect(sizes.slice(0, -1).every((size) => size >= batchRows)).toBe(true);
          expect(sizes.every((size) => size > 0)).toBe(true);
        }
      });

      it('gives the same result for the sample with a BOM and CRLF line ends, and with LF', () => {
        const lf = text.replace(/\r\n/g, '\n');
        const crlf = '\ufeff' + lf.replace(/\n/g, '\r\n');
        const expected = plain(parser.parse(lf, context));
        expect(plain(parser.parse(crlf, context))).toEqual(expected);
        expect(plain(parser.parse(text, context))).toEqual(expected);
      });

      it('parses or fails with FEED_PARSE_FAILED on every truncated copy of the sample', () => {
        const cuts = new Set<number>();
        for (let i = 0; i <= 40; i++) cuts.add(Math.floor((text.length * i) / 40));
        for (let i = 0; i < 20 && i < text.length; i++) cuts.add(i);
        for (const cut of cuts) {
          const result = parseOrFail(parser, text.slice(0, cut), context);
          if (result !== 'FEED_PARSE_FAILED') expectWellFormed(result);
        }
      });

      it('never throws anything but FEED_PARSE_FAILED on random text, or on shuffled and mangled sample lines', () => {
        const lines = text.split(/\r?\n/).slice(0, 400);
        const mangledLine = fc.oneof(
          fc.constantFrom(...lines),
          fc
            .constantFrom(...lines)
            .chain((line) =>
              fc
                .tuple(fc.nat(line.length), fc.string({ maxLength: 6 }))
                .map(([at, insert]) => line.slice(0, at) + insert + line.slice(at + 1)),
            ),
        );
        const document = fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.array(mangledLine, { maxLength: 30 }).map((picked) => picked.join('\n')),
        );
        fc.assert(
          fc.property(document, (random) => {
            const result = parseOrFail(parser, random, context);
            if (result === 'FEED_PARSE_FAILED') return;
            expectWellFormed(result);
            expect(plain(collectBatches(parser, random, context, 2))).toEqual(plain(result));
          }),
          { numRuns: 150 },
        );
      });
    });
  }

  describe(`${parser.name} on hostile documents (FeedParser contract)`, () => {
    const options = samples[0]?.options ?? {};
    const context = contextFor('hostile', options);

    it('refuses an HTML error page served in place of the feed, saying what it looks like', () => {
      for (const page of [
        HTML_PAGE,
        '\ufeff  \r\n' + HTML_PAGE.replace(/\n/g, '\r\n'),
        HTML_PAGE.toUpperCase(),
      ]) {
        expect(() => parser.parse(page, context)).toThrow(`looks like an HTML page, not ${parser.name}`);
      }
    });

    it('refuses an empty body with FEED_PARSE_FAILED', () => {
      for (const empty of ['', '\ufeff', '\n\n', '\r\n  \r\n']) {
        expect(parseOrFail(parser, empty, context)).toBe('FEED_PARSE_FAILED');
      }
    });

    it('refuses an HTML page, and a batch size that is not a positive integer, before handing over any batch', () => {
      expect(() => parser.parseBatches(HTML_PAGE, context, 100).next()).toThrow('looks like an HTML page');
      for (const batchRows of [0, -1, 1.5, Number.NaN]) {
        expect(() => parser.parseBatches(HTML_PAGE, context, batchRows).next()).toThrow(RangeError);
      }
    });

    it('gets through a 10 MB single line in linear time, parsing it or failing with FEED_PARSE_FAILED', () => {
      const started = performance.now();
      const result = parseOrFail(parser, HUGE_LINE, context);
      if (result !== 'FEED_PARSE_FAILED') expectWellFormed(result);
      expect(performance.now() - started).toBeLessThan(10_000);
    });
  });
}
