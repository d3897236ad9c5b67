import { describe, expect, it } from 'vitest';
import { buildIndicatorDraft as draft } from '../testing.js';
import { stagedIndicatorRow } from './indicator-rows.js';

describe('stagedIndicatorRow', () => {
  it('gives a network its range as hex numbers and its first and last address', () => {
    const row = stagedIndicatorRow(draft({ type: 'cidr', value: '198.51.100.0/24', port: null }), 0);
    expect(row).toMatchObject({
      range_start: '00000000000000000000ffffc6336400',
      range_end: '00000000000000000000ffffc63364ff',
      range_start_addr: '198.51.100.0',
      range_end_addr: '198.51.100.255',
    });
    // A single address is its own range: no first and last address text (DuckDB's migration 13).
    expect(stagedIndicatorRow(draft({ type: 'ipv4', value: '198.51.100.7', port: null }), 0)).toMatchObject({
      range_start: '00000000000000000000ffffc6336407',
      range_end: '00000000000000000000ffffc6336407',
      range_start_addr: null,
      range_end_addr: null,
    });
    expect(stagedIndicatorRow(draft({ type: 'domain', value: 'evil.test', port: null }), 0)).toMatchObject({
      range_start: null,
      range_end: null,
      range_start_addr: null,
    });
  });

  it('stores empty text as null, rounds confidence and truncates instants to whole microseconds', () => {
    const row = stagedIndicatorRow(draft({ threat: '', confidence: 74.6, sourceFirstSeenAt: 1.9 }), 3);
    expect(row).toMatchObject({ ord: 3, threat: null, confidence: 75, source_first_seen_us: 1 });
  });

  it('replaces the DuckDB store’s separator characters in text, but not in the raw record', () => {
    const row = stagedIndicatorRow(
      draft({ threat: 'a\u001eb', tags: ['x\u001fy'], raw: { n: 'a\u001eb' } }),
      0,
    );
    expect(row).toMatchObject({ threat: 'a\ufffdb', tags: ['x\ufffdy'], raw: '{"n":"a\\u001eb"}' });
  });

  it('keeps the fields digest for the same source fields and changes it for any other', () => {
    const base = stagedIndicatorRow(draft(), 0);
    expect(stagedIndicatorRow(draft(), 7).fields_hash).toBe(base.fields_hash);
    expect(stagedIndicatorRow(draft({ tags: ['c2', 'x'] }), 0).fields_hash).not.toBe(base.fields_hash);
    expect(stagedIndicatorRow(draft({ revoked: true }), 0).fields_hash).not.toBe(base.fields_hash);
    expect(stagedIndicatorRow(draft({ raw: null }), 0).fields_hash).not.toBe(base.fields_hash);
  });

  it('writes a raw record that writes its own JSON exactly as JSON.stringify would', () => {
    const raw = {
      writeJSON(out: {
        text(json: string): void;
        utf8(json: Uint8Array): void;
        string(value: string): void;
      }) {
        out.text('{');
        out.utf8(new TextEncoder().encode('"k\u00e9":'));
        out.string('v"1');
        out.text('}');
      },
    };
    expect(stagedIndicatorRow(draft({ raw }), 0).raw).toBe(JSON.stringify({ 'k\u00e9': 'v"1' }));
  });

  const refused: { description: string; change: Parameters<typeof draft>[0]; message: RegExp }[] = [
    { description: 'a confidence past 100', change: { confidence: 101 }, message: /confidence 101/ },
    { description: 'a negative confidence', change: { confidence: -1 }, message: /confidence -1/ },
    { description: 'a port that is not an integer', change: { port: 44.5 }, message: /port 44.5/ },
    { description: 'a raw record JSON cannot hold', change: { raw: { n: 1n } }, message: /raw record/ },
  ];
  for (const { description, change, message } of refused) {
    it(`refuses ${description}, naming the indicator`, () => {
      expect(() => stagedIndicatorRow(draft(change), 4)).toThrow(message);
      expect(() => stagedIndicatorRow(draft(change), 4)).toThrow(/indicator 5 \("203\.0\.113\.9"\)/);
    });
  }
});
