import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndicatorDraft } from '../../records/index.js';
import type { JsonTextWriter, RawJsonText } from '../store.js';
import { buildIndicatorDraft } from '../testing.js';
import { indicatorRange } from './indicator-range.js';
import { SnapshotDrafts } from './snapshot-drafts.js';
import { SnapshotEncoder } from './snapshot-encoder.js';

/*
 * The line format as the earlier string encoder wrote it, kept here as the reference: stored
 * `fields_hash` values are hashes of this text, so the byte encoder must write it exactly.
 */
// eslint-disable-next-line no-control-regex
const SEPARATORS = /[\u001c-\u001f]/g;
const text = (value: string | null): string => (value === null ? '' : value.replace(SEPARATORS, '\ufffd'));
const micros = (value: number | null): string => (value === null ? '' : String(Math.trunc(value)));
function referenceLine(d: IndicatorDraft): string {
  const range = indicatorRange(d.type, d.value);
  const rangeText =
    range === null
      ? ''
      : `\u001e${range.start}\u001e${range.end}` +
        (range.startText === d.value ? '' : `\u001e${range.startText}\u001e${range.endText}`);
  const revoked = d.revoked ? '1' : '0';
  return [
    [text(d.type), text(d.value), d.port === null ? '' : String(d.port), revoked].join('\u001e'),
    [
      text(d.threat),
      text(d.malwareFamily),
      d.confidence === null ? '' : String(Math.round(d.confidence)),
      d.tags.map(text).join('\u001f'),
      text(d.reference),
      micros(d.sourceFirstSeenAt),
      micros(d.sourceLastSeenAt),
      micros(d.validFrom),
      micros(d.validUntil),
      revoked,
      d.raw === undefined ? '' : (JSON.stringify(d.raw) ?? ''),
    ].join('\u001e') + rangeText,
  ].join('\u001c');
}

function encodeAll(drafts: readonly IndicatorDraft[], rows: number): string {
  const encoder = new SnapshotEncoder(new SnapshotDrafts({ batches: [drafts] }));
  const decoder = new TextDecoder();
  const runs: string[] = [];
  for (let bytes = encoder.encode(rows); bytes !== null; bytes = encoder.encode(rows))
    runs.push(decoder.decode(bytes));
  return runs.join('\u001d');
}

const instant = fc.option(
  fc.oneof(fc.integer({ min: -1e15, max: 4e15 }), fc.double({ min: -1e17, max: 1e17, noNaN: true })),
  {
    nil: null,
  },
);
const anyText = fc.string({ unit: 'binary', maxLength: 12 });
const draftArbitrary: fc.Arbitrary<IndicatorDraft> = fc
  .record({
    target: fc.oneof(
      fc.ipV4().map((value) => ({ type: 'ipv4' as const, value })),
      fc.ipV6().map((value) => ({ type: 'ipv6' as const, value })),
      fc.constantFrom(
        { type: 'cidr' as const, value: '10.0.0.0/8' },
        { type: 'cidr' as const, value: '2001:db8::/32' },
        { type: 'ipv4' as const, value: '01.2.3.4' },
        { type: 'domain' as const, value: 'évil.test' },
      ),
      anyText.map((value) => ({ type: 'url' as const, value })),
    ),
    port: fc.option(fc.integer({ min: 0, max: 70_000 }), { nil: null }),
    threat: fc.option(anyText, { nil: null }),
    malwareFamily: fc.option(anyText, { nil: null }),
    confidence: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
    tags: fc.array(anyText, { maxLength: 3 }),
    reference: fc.option(anyText, { nil: null }),
    sourceFirstSeenAt: instant,
    sourceLastSeenAt: instant,
    validFrom: instant,
    validUntil: instant,
    revoked: fc.boolean(),
    raw: fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.dictionary(anyText, anyText)),
  })
  .map(({ target, ...rest }) => ({ ...buildIndicatorDraft(), ...target, ...rest }));

describe('SnapshotEncoder', () => {
  it('writes, as UTF-8, exactly the lines the string format gives, for any draft', () => {
    fc.assert(
      fc.property(
        fc.array(draftArbitrary, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 5 }),
        (drafts, rows) => {
          expect(encodeAll(drafts, rows)).toBe(drafts.map(referenceLine).join('\u001d'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names a port that is not an integer, counting drafts from 1', () => {
    const drafts = [buildIndicatorDraft(), buildIndicatorDraft({ value: '192.0.2.1', port: 44.5 })];
    expect(() => encodeAll(drafts, 10)).toThrow('indicator 2 ("192.0.2.1") has port 44.5, not an integer');
  });

  it('suspects a key that batches give twice, and no other', () => {
    const drafts = [
      buildIndicatorDraft(),
      buildIndicatorDraft({ port: 80 }),
      buildIndicatorDraft({ confidence: 1 }),
    ];
    const encoder = new SnapshotEncoder(
      new SnapshotDrafts({ batches: [drafts.slice(0, 2), drafts.slice(2)] }),
    );
    while (encoder.encode(1) !== null);
    expect(encoder.suspects).toEqual([{ type: 'ipv4', value: '203.0.113.9', port: 443 }]);
  });

  it('takes batches that vouch for their keys (a parser lists each once) at their word', () => {
    const drafts = [buildIndicatorDraft(), buildIndicatorDraft({ confidence: 1 })];
    const vouched = new SnapshotEncoder(new SnapshotDrafts({ batches: [drafts], uniqueKeys: true }));
    const checked = new SnapshotEncoder(new SnapshotDrafts({ batches: [drafts], uniqueKeys: false }));
    const lines = (encoder: SnapshotEncoder): string => new TextDecoder().decode(encoder.encode(10)!);
    expect(lines(vouched)).toBe(lines(checked));
    expect(vouched.suspects).toEqual([]);
    expect(checked.suspects).toEqual([{ type: 'ipv4', value: '203.0.113.9', port: 443 }]);
  });
});

/** A raw record that writes its own JSON through every JsonTextWriter method, as CsvRecord does. */
class PiecewiseRecord implements RawJsonText {
  constructor(readonly entries: readonly (readonly [string, string])[]) {}

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.entries);
  }

  writeJSON(out: JsonTextWriter): void {
    const utf8 = new TextEncoder();
    if (this.entries.length === 0) {
      out.text('{}');
      return;
    }
    this.entries.forEach(([name, value], i) => {
      if (i % 2 === 0) out.utf8(utf8.encode(`${i === 0 ? '{' : ','}${JSON.stringify(name)}:`));
      else out.text(`,${JSON.stringify(name)}:`);
      out.string(value);
    });
    out.text('}');
  }
}

describe('SnapshotEncoder with raw records that write their own JSON', () => {
  const cases: { description: string; value: string }[] = [
    { description: 'plain ASCII', value: '2024-05-14 18:00:00' },
    { description: 'quotes', value: 'say "hi"' },
    { description: 'a backslash', value: 'C:\\bins' },
    { description: 'a newline, a tab and a carriage return', value: 'a\nb\tc\r' },
    { description: 'the line and field separators', value: 'a\u001cb\u001dc\u001ed\u001f' },
    { description: 'DEL and other controls', value: '\u007f\u0000\u0008' },
    { description: 'accents, CJK and an emoji', value: 'évil 例え 🦠' },
    { description: 'lone surrogates', value: '\ud800x\udfff' },
    { description: 'an empty text', value: '' },
    { description: 'a 1 MB value, past the buffer it starts with', value: 'x'.repeat(1 << 20) + '"' },
  ];
  it.each(cases)('writes $description exactly as JSON.stringify does', ({ value }) => {
    const raw = new PiecewiseRecord([
      ['first_seen_utc', value],
      ['dst_ip', '203.0.113.9'],
      ['malware', value],
    ]);
    const drafts = [buildIndicatorDraft({ raw }), buildIndicatorDraft({ value: '192.0.2.1', raw })];
    expect(encodeAll(drafts, 1)).toBe(drafts.map(referenceLine).join('\u001d'));
  });

  it('writes any record exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary' })), {
          maxLength: 6,
        }),
        (entries) => {
          const unique = [...new Map(entries)].filter(([name]) => !/^(?:0|[1-9]\d*)$/.test(name));
          const drafts = [buildIndicatorDraft({ raw: new PiecewiseRecord(unique) })];
          expect(encodeAll(drafts, 1)).toBe(drafts.map(referenceLine).join('\u001d'));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('SnapshotEncoder edge values', () => {
  const cases: { description: string; draft: Partial<IndicatorDraft> }[] = [
    { description: 'the lowest and highest ports', draft: { port: 0 } },
    { description: 'port 65535', draft: { port: 65535 } },
    {
      description: 'every optional field null',
      draft: {
        threat: null,
        malwareFamily: null,
        confidence: null,
        reference: null,
        sourceFirstSeenAt: null,
        tags: [],
        raw: undefined,
      },
    },
    {
      description: 'instants before 1970 and past 2^53 microseconds',
      draft: {
        sourceFirstSeenAt: -86_400_000_001,
        sourceLastSeenAt: 2 ** 60,
        validFrom: 0,
        validUntil: 99_999_999.9,
      },
    },
    { description: 'a confidence that rounds', draft: { confidence: 99.5 } },
    {
      description: 'separators in every text field',
      draft: { threat: 'a\u001db', malwareFamily: '\u001c', tags: ['x\u001fy', ''], reference: 'r\u001e' },
    },
    { description: 'an IPv4 network', draft: { type: 'cidr', value: '198.51.100.0/24', port: null } },
    { description: 'an IPv6 address', draft: { type: 'ipv6', value: '2001:db8::1' } },
    { description: 'an IPv6 network', draft: { type: 'cidr', value: '2001:db8::/32', port: null } },
    { description: 'an IPv4 address written with a leading zero', draft: { value: '01.2.3.4' } },
    {
      description: 'a URL with non-ASCII text',
      draft: { type: 'url', value: 'http://évil.test/ü?q="1"', port: null },
    },
    {
      description: 'a huge value',
      draft: { type: 'url', value: `http://a.test/${'p'.repeat(200_000)}`, port: null },
    },
    { description: 'a revoked indicator', draft: { revoked: true } },
  ];
  it.each(cases)('writes $description as the string format does', ({ draft }) => {
    const drafts = [buildIndicatorDraft(draft), buildIndicatorDraft({ value: '192.0.2.7' })];
    expect(encodeAll(drafts, 2)).toBe(drafts.map(referenceLine).join('\u001d'));
  });

  it('gives nothing for a snapshot without drafts', () => {
    const encoder = new SnapshotEncoder(new SnapshotDrafts({ batches: [[], []] }));
    expect(encoder.encode(10)).toBeNull();
    expect(encoder.count).toBe(0);
  });
});
