import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indicatorKey, type IndicatorDraft, type IndicatorType } from '../../records/index.js';
import { DraftKeySet } from './draft-key-set.js';
import { MAX_ISSUES, ResultBuilder } from './result-builder.js';

const context = { feed: 'unit', location: 'test://unit', options: {} };

function draftOf(
  builder: ResultBuilder,
  type: IndicatorType,
  value: string,
  port: number | null = null,
): IndicatorDraft {
  const draft = builder.draft(type, value, value);
  draft.port = port;
  return draft;
}

describe('ResultBuilder', () => {
  it('fills in the parser defaults, overridden by the feed options', () => {
    const plain = new ResultBuilder(context, 'unit', { threat: 'botnet_cc', confidence: 90 });
    expect(plain.draft('ipv4', '192.0.2.1', 'raw')).toMatchObject({
      threat: 'botnet_cc',
      confidence: 90,
      malwareFamily: null,
      tags: [],
    });
    const options = {
      ...context,
      options: { threat: 'scanner', confidence: 40, malware_family: 'Mirai', tags: ['a'] },
    };
    const overridden = new ResultBuilder(options, 'unit', { threat: 'botnet_cc', confidence: 90 });
    const draft = overridden.draft('ipv4', '192.0.2.1', 'raw');
    expect(draft).toMatchObject({ threat: 'scanner', confidence: 40, malwareFamily: 'Mirai', tags: ['a'] });
    draft.tags.push('b');
    expect(overridden.draft('ipv4', '192.0.2.2', 'raw').tags).toEqual(['a']);
  });

  it('refuses options of the wrong type with FEED_OPTIONS_INVALID naming the option', () => {
    expect(() => new ResultBuilder({ ...context, options: { confidence: 101 } }, 'unit', {})).toThrow(
      'option "confidence" must be a number from 0 to 100',
    );
    expect(() => new ResultBuilder({ ...context, options: { tags: 'a,b' } }, 'unit', {})).toThrow(
      'option "tags" must be a list of strings',
    );
  });

  it('keeps the first of repeated entries, counts the rest as skipped with one issue, and keeps one IP on two ports', () => {
    const builder = new ResultBuilder(context, 'unit', {});
    builder.add(draftOf(builder, 'ipv4', '192.0.2.1', 443), 1);
    builder.add(draftOf(builder, 'ipv4', '192.0.2.1', 8443), 2);
    builder.add(draftOf(builder, 'ipv4', '192.0.2.1', 443), 3);
    builder.add(draftOf(builder, 'ipv4', '192.0.2.1', 443), 4);
    builder.add(draftOf(builder, 'domain', 'example.com'), 5);
    const result = builder.finish(null, true);
    expect(result.indicators.map((d) => `${d.value}:${d.port}`)).toEqual([
      '192.0.2.1:443',
      '192.0.2.1:8443',
      'example.com:null',
    ]);
    expect(result.skipped).toBe(2);
    expect(result.issues).toEqual([
      { line: 3, message: '2 repeated entries were dropped, keeping the first' },
    ]);
  });

  it('merges derived entries silently', () => {
    const builder = new ResultBuilder(context, 'unit', {});
    builder.add(draftOf(builder, 'url', 'http://example.com/a'), 1);
    builder.addDerived(draftOf(builder, 'domain', 'example.com'));
    builder.add(draftOf(builder, 'url', 'http://example.com/b'), 2);
    builder.addDerived(draftOf(builder, 'domain', 'example.com'));
    const result = builder.finish(null, true);
    expect(result.indicators).toHaveLength(3);
    expect(result.skipped).toBe(0);
    expect(result.issues).toEqual([]);
  });

  it('describes the first MAX_ISSUES skipped records and counts them all', () => {
    const builder = new ResultBuilder(context, 'unit', {});
    builder.add(draftOf(builder, 'ipv4', '192.0.2.1'), 1);
    for (let line = 2; line < 100; line++) builder.skip(line, 'bad');
    const result = builder.finish(null, false);
    expect(result.skipped).toBe(98);
    expect(result.issues).toHaveLength(MAX_ISSUES);
  });

  it('fails when every record was invalid, whatever the header says', () => {
    const builder = new ResultBuilder(context, 'unit', {});
    builder.skip(7, '"x" is not an IP address');
    expect(() => builder.finish(null, true)).toThrow(
      'Feed "unit": test://unit holds no valid unit entries: all 1 records were invalid (first: line 7: "x" is not an IP address).',
    );
  });

  it('fails on a document with no entries and no header, and accepts an empty list under a header', () => {
    expect(() => new ResultBuilder(context, 'unit', {}).finish(null, false)).toThrow(
      'holds no unit entries and no header',
    );
    expect(new ResultBuilder(context, 'unit', {}).finish(5, true)).toEqual({
      indicators: [],
      skipped: 0,
      issues: [],
      generatedAt: 5,
    });
  });
});

describe('DraftKeySet', () => {
  it('finds exactly the repeats a set of indicatorKey strings finds, through growth', () => {
    const type = fc.constantFrom<IndicatorType>('ipv4', 'domain', 'cidr', 'url');
    const value = fc.constantFrom('192.0.2.1', '192.0.2.2', 'example.com', '1', '');
    const port = fc.option(fc.constantFrom(0, 443, 65535), { nil: null });
    const unique = fc
      .integer({ min: 0, max: 3000 })
      .map((n) => ({ type: 'ipv4' as const, value: `10.0.${n >> 8}.${n & 255}`, port: null }));
    const entry = fc.oneof(fc.record({ type, value, port }), unique);
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1500, maxLength: 3000 }), (entries) => {
        const builder = new ResultBuilder(context, 'unit', {});
        const set = new DraftKeySet();
        const reference = new Set<string>();
        for (const e of entries) {
          const draft = { ...builder.draft(e.type, e.value, null), port: e.port };
          const isNew = set.add(draft);
          expect(isNew).toBe(!reference.has(indicatorKey(draft)));
          reference.add(indicatorKey(draft));
        }
      }),
      { numRuns: 30 },
    );
  });
});
