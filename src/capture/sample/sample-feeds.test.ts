import { describe, expect, it } from 'vitest';
import { SAMPLE_INDICATORS } from './home-network-devices.js';
import { sampleFeodoCsv, sampleUrlhausCsv } from './sample-feeds.js';

const NOW_MS = Date.UTC(2026, 11, 7, 7, 33, 58);

describe('sampleFeodoCsv', () => {
  const lines = sampleFeodoCsv(NOW_MS).split('\n');

  it('opens with a 64-column banner dated now and the quoted header, as ipblocklist.csv does', () => {
    expect(lines[0]).toBe('#'.repeat(64));
    expect(lines.slice(0, 7).every((l) => l.length === 64)).toBe(true);
    expect(lines[2]).toContain('Last updated: 2026-12-07 07:33:58 UTC');
    expect(lines[8]).toBe('"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"');
    expect(lines.at(-1)).toBe(`# END ${lines.length - 10} entries`);
  });

  it("names the sample's C2 address and port as online today", () => {
    expect(lines).toContainEqual(
      `"2026-12-04 07:33:58","${SAMPLE_INDICATORS.c2Address}","${SAMPLE_INDICATORS.c2Port}","online","2026-12-07","Dridex"`,
    );
  });
});

describe('sampleUrlhausCsv', () => {
  const lines = sampleUrlhausCsv(NOW_MS).split('\n');

  it('keeps the header as a comment under the banner, as csv_online does', () => {
    expect(lines[2]).toContain('Last updated: 2026-12-07 07:33:58 UTC');
    expect(lines[8]).toBe('# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter');
  });

  it("names the URL the sample's laptop fetches", () => {
    const row = lines.find((l) => l.includes(SAMPLE_INDICATORS.badUrl));
    expect(row).toMatch(
      /^"\d+","2026-12-06 07:33:58","http:\/\/update-check\.badexample\.net\/v2\/check\?id=7f3a9c","online",/,
    );
  });
});
