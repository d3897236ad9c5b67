import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isYamoriError } from '../../errors/index.js';
import type { IndicatorDraft } from '../../records/index.js';
import type { ParseContext } from './parser.js';
import { parseStixObjects, stix21Parser } from './stix21.js';

const FEEDS = path.resolve(process.cwd(), '../shared/feeds');
const context = (options: Record<string, unknown> = {}): ParseContext => ({
  feed: 'stix-test',
  location: 'test',
  options,
});

function indicator(pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--0b7e8e3b-7cf4-4a2e-9a7e-7f0d4c1c2a01',
    created: '2024-01-02T03:04:05.000Z',
    modified: '2024-01-03T03:04:05.000Z',
    pattern_type: 'stix',
    pattern,
    valid_from: '2024-01-02T03:04:05Z',
    ...extra,
  };
}

const summary = (drafts: IndicatorDraft[]) =>
  drafts.map((d) => ({ type: d.type, value: d.value, port: d.port, tags: d.tags }));

describe.skipIf(!existsSync(FEEDS))(
  'stix21Parser on the OASIS examples in ../shared/feeds (skipped: ../shared absent)',
  () => {
    const read = (name: string) =>
      stix21Parser.parse(readFileSync(path.join(FEEDS, name), 'utf8'), context());

    it('reads the C2 IP indicator with its dates, type and original object', () => {
      const result = read('stix21_indicator-for-c2-ip-address.json');
      expect(result.skipped).toBe(0);
      expect(result.indicators).toHaveLength(1);
      const [draft] = result.indicators;
      // 10.0.0.0 is private; the parser keeps it and the allow-list marks it, as for any feed.
      expect(draft).toMatchObject({
        type: 'ipv4',
        value: '10.0.0.0',
        port: null,
        threat: 'malicious',
        malwareFamily: null,
        tags: ['malicious-activity'],
        sourceFirstSeenAt: Date.UTC(2014, 4, 8, 9) * 1000,
        sourceLastSeenAt: Date.UTC(2014, 4, 8, 9) * 1000,
        validFrom: Date.UTC(2014, 4, 8, 9) * 1000,
        validUntil: null,
        revoked: false,
      });
      expect((draft!.raw as { id: string }).id).toBe('indicator--33fe3b22-0201-47cf-85d0-97c02164528d');
    });

    it('names the malware family from indicates relationships in the bundle', () => {
      const result = read('stix21_indicators-for-C2-with-COA.json');
      expect(result.indicators.map((d) => [d.type, d.value, d.malwareFamily])).toEqual([
        ['ipv4', '10.0.0.0', 'Poison Ivy'],
        ['sha256', 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c', 'Poison Ivy'],
      ]);
    });

    it('skips and counts e-mail patterns it cannot match, without failing the document', () => {
      const result = read('stix21_malicious-email-indicator-with-attachment.json');
      expect(result.indicators).toEqual([]);
      expect(result.skipped).toBe(2);
      expect(result.issues[0]!.message).toContain('nothing Yamori can match');
      expect(result.issues[0]!.message).toContain('email-message:subject MATCHES');
    });
  },
);

describe('stix21Parser patterns', () => {
  const cases: { description: string; pattern: string; expected: ReturnType<typeof summary> }[] = [
    {
      description: 'an OR of addresses gives one exact indicator each',
      pattern: "[ipv4-addr:value = '198.51.100.7' OR ipv6-addr:value = '2001:DB8:0:0::1']",
      expected: [
        { type: 'ipv4', value: '198.51.100.7', port: null, tags: [] },
        { type: 'ipv6', value: '2001:db8::1', port: null, tags: [] },
      ],
    },
    {
      description: 'CIDR values and ISSUBSET become networks',
      pattern: "[ipv4-addr:value = '203.0.113.77/24'] OR [ipv6-addr:value ISSUBSET '2001:db8:abcd::/48']",
      expected: [
        { type: 'cidr', value: '203.0.113.0/24', port: null, tags: [] },
        { type: 'cidr', value: '2001:db8:abcd::/48', port: null, tags: [] },
      ],
    },
    {
      description: 'an IN set of domains and a URL',
      pattern:
        "[domain-name:value IN ('Bad.Example.', 'evil.example') OR url:value = 'HTTP://Evil.Example:80/x?a=1']",
      expected: [
        { type: 'domain', value: 'bad.example', port: null, tags: [] },
        { type: 'domain', value: 'evil.example', port: null, tags: [] },
        { type: 'url', value: 'http://evil.example/x?a=1', port: null, tags: [] },
      ],
    },
    {
      description: 'file hashes by any spelling of the algorithm, and certificate SHA-1',
      pattern:
        "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E' OR file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709' OR x509-certificate:hashes.'SHA-1' = '2e3519b7a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6']",
      expected: [
        { type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', port: null, tags: [] },
        { type: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', port: null, tags: [] },
        { type: 'cert_sha1', value: '2e3519b7a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6', port: null, tags: [] },
      ],
    },
    {
      description: 'an AND keeps each usable term, tagged stix-and',
      pattern:
        "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c' AND file:name = 'x.exe']",
      expected: [
        {
          type: 'sha256',
          value: 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c',
          port: null,
          tags: ['stix-and'],
        },
      ],
    },
    {
      description: 'a network-traffic destination with its port',
      pattern:
        "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.44' AND network-traffic:dst_port = 8443]",
      expected: [{ type: 'ipv4', value: '192.0.2.44', port: 8443, tags: ['stix-and'] }],
    },
    {
      description: 'a FOLLOWEDBY with a qualifier, tagged as narrower than one value',
      pattern:
        "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'c2.example'] WITHIN 60 SECONDS",
      expected: [
        { type: 'ipv4', value: '192.0.2.1', port: null, tags: ['stix-and'] },
        { type: 'domain', value: 'c2.example', port: null, tags: ['stix-and', 'stix-qualified'] },
      ],
    },
    {
      description: 'negations left out, the rest kept',
      pattern:
        "[ipv4-addr:value != '192.0.2.9' OR ipv4-addr:value NOT = '192.0.2.10' OR autonomous-system:number = 64500]",
      expected: [{ type: 'asn', value: '64500', port: null, tags: [] }],
    },
  ];
  for (const { description, pattern, expected } of cases) {
    it(`reads ${description}`, () => {
      expect(summary(parseStixObjects([indicator(pattern)], context()).indicators)).toEqual(expected);
    });
  }

  it.each([
    ['a pattern it cannot parse', indicator("[ipv4-addr:value = '1.2.3.4'"), 'pattern not understood'],
    ['an invalid address', indicator("[ipv4-addr:value = '999.1.1.1']"), 'invalid value'],
    ['a YARA rule', indicator('rule x { condition: true }', { pattern_type: 'yara' }), 'pattern_type "yara"'],
    [
      'a benign indicator',
      indicator("[domain-name:value = 'example.com']", { indicator_types: ['benign'] }),
      'benign',
    ],
    ['an indicator without a pattern', indicator('', { pattern: undefined }), 'no pattern'],
  ])('skips and describes %s', (_name, object, message) => {
    const result = parseStixObjects([object], context());
    expect(result.indicators).toEqual([]);
    expect(result.skipped).toBe(1);
    expect(result.issues[0]!.message).toContain(message);
  });

  it('describes terms it left out of a pattern that gave other indicators, without counting a skip', () => {
    const result = parseStixObjects(
      [indicator("[domain-name:value = 'a.example' OR file:name = 'x']")],
      context(),
    );
    expect(result.indicators).toHaveLength(1);
    expect(result.skipped).toBe(0);
    expect(result.issues[0]!.message).toContain('file:name =');
  });
});

describe('stix21Parser fields', () => {
  it('maps validity, revocation, confidence, labels and the first reference URL', () => {
    const [draft] = parseStixObjects(
      [
        indicator("[domain-name:value = 'c2.example']", {
          valid_until: '2025-01-01T00:00:00.123456Z',
          revoked: true,
          confidence: 85,
          indicator_types: ['compromised'],
          labels: ['botnet'],
          external_references: [
            { source_name: 'capec', external_id: 'CAPEC-98' },
            { source_name: 'blog', url: 'https://blog.example/c2' },
          ],
        }),
      ],
      context(),
    ).indicators;
    expect(draft).toMatchObject({
      validUntil: Date.UTC(2025, 0, 1) * 1000 + 123456,
      revoked: true,
      confidence: 85,
      threat: 'compromised',
      tags: ['compromised', 'botnet'],
      reference: 'https://blog.example/c2',
    });
  });

  it('takes the feed options for threat, confidence and tags where the object says nothing', () => {
    const [draft] = parseStixObjects(
      [indicator("[domain-name:value = 'c2.example']")],
      context({ threat: 'botnet_cc', confidence: 60, tags: ['vendor'] }),
    ).indicators;
    expect(draft).toMatchObject({ threat: 'botnet_cc', confidence: 60, tags: ['vendor'] });
  });

  it('uses the newest version of an object the bundle holds twice', () => {
    const old = indicator("[domain-name:value = 'c2.example']", { modified: '2024-01-03T00:00:00Z' });
    const newer = indicator("[domain-name:value = 'c2.example']", {
      modified: '2024-02-01T00:00:00.5Z',
      revoked: true,
    });
    for (const order of [
      [old, newer],
      [newer, old],
    ]) {
      const result = parseStixObjects(order, context());
      expect(result.indicators).toHaveLength(1);
      expect(result.indicators[0]!.revoked).toBe(true);
    }
  });

  it('keeps one draft for a value two indicators share, from the most recently modified', () => {
    const a = indicator("[ipv4-addr:value = '192.0.2.5']", {
      id: 'indicator--a',
      modified: '2024-05-01T00:00:00Z',
      confidence: 10,
    });
    const b = indicator("[ipv4-addr:value = '192.0.2.5']", {
      id: 'indicator--b',
      modified: '2024-06-01T00:00:00Z',
      confidence: 90,
    });
    const result = parseStixObjects([b, a], context());
    expect(result.indicators.map((d) => d.confidence)).toEqual([90]);
  });
});

describe('stix21Parser documents', () => {
  const object = indicator("[ipv4-addr:value = '192.0.2.5']");
  it.each([
    ['a bundle', { type: 'bundle', id: 'bundle--1', objects: [object] }],
    ['an array of objects', [object]],
    ['a single object', object],
    ['a TAXII envelope', { more: false, objects: [object] }],
  ])('accepts %s', (_name, document) => {
    expect(stix21Parser.parse(JSON.stringify(document), context()).indicators).toHaveLength(1);
  });

  it('accepts an empty TAXII envelope as an empty result', () => {
    expect(stix21Parser.parse('{"more": false}', context()).indicators).toEqual([]);
  });

  it.each([
    ['an HTML error page', '<!DOCTYPE html><html><title>502</title></html>'],
    ['truncated JSON', '{"type": "bundle", "objects": [{"type": "indic'],
    ['JSON that is not STIX', '{"hello": "world"}'],
  ])('fails %s with FEED_PARSE_FAILED', (_name, text) => {
    try {
      stix21Parser.parse(text, context());
      expect.unreachable();
    } catch (error) {
      expect(isYamoriError(error) && error.code).toBe('FEED_PARSE_FAILED');
    }
  });

  it('never throws on hostile objects inside a bundle', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.anything(),
            fc.record({
              type: fc.constant('indicator'),
              id: fc.string(),
              pattern: fc.anything(),
              modified: fc.anything(),
              external_references: fc.anything(),
              indicator_types: fc.anything(),
            }),
          ),
        ),
        (objects) => {
          const result = parseStixObjects(objects, context());
          expect(result.indicators.length).toBeLessThanOrEqual(objects.length);
        },
      ),
    );
  });
});
