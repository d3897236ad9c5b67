import { describe, expect, it } from 'vitest';
import { fitDocument, renderedWithin } from './fit-document.js';
import { buildMessageDocument, formatInstant } from './message-document.js';
import { renderEmailHtml } from './render-html.js';
import { renderOneLine, renderText } from './render-text.js';
import { fixedSample, hostileDigest } from './testing.js';

describe('buildMessageDocument', () => {
  const text = renderText(buildMessageDocument(fixedSample(), { timeZone: 'Europe/Berlin' }));

  it('says which device, what it talked to and when, in the reader’s time and in UTC', () => {
    expect(text).toContain(
      'kids-tablet talked to 203.0.113.9 (update-check.example.net), 4 times, from Mon 7 Dec 2026, 07:16 CET to 07:28 CET.',
    );
    expect(text).toMatch(/^Device: +kids-tablet \(Apple, Inc\., a4:83:e7:12:34:56, 192\.168\.1\.23\)$/m);
    expect(text).toMatch(
      /^Talked to: +203\.0\.113\.9 \(update-check\.example\.net, AS64500 Example Hosting, NL\)$/m,
    );
    expect(text).toMatch(/^First seen: Mon 7 Dec 2026, 07:16 CET \(2026-12-07T06:16:00Z\)$/m);
  });

  it('says why that is bad, what to do first, and links to the dashboard', () => {
    expect(text).toContain(
      '203.0.113.9 is listed by feodo as a botnet command-and-control server (malware family qakbot) since 4 Dec 2026 — details (https://feodotracker.abuse.ch/browse/host/203.0.113.9/)',
    );
    expect(text).toMatch(/What to do first\n-+\n\nCheck which app on the device made the connection/);
    expect(text).toContain(
      'Open this alert in the Yamori dashboard (https://yamori.lan:8080/alerts/test-0000000000000001)',
    );
    expect(text.startsWith('[HIGH] Test: kids-tablet contacted C2 203.0.113.9 (qakbot)\n')).toBe(true);
  });

  it('falls back to plain advice and no link when the rule and dashboard are unknown', () => {
    const sample = fixedSample(null);
    const notice = { ...sample.alerts[0]!, rule: null };
    const plain = renderText(buildMessageDocument({ ...sample, kind: 'alert', alerts: [notice] }));
    expect(plain).toContain('disconnect the device from the network');
    expect(plain).not.toContain('dashboard');
    expect(plain).not.toContain('This is a test message');
  });

  it('lists a digest compactly, most severe first', () => {
    const digest = renderText(buildMessageDocument(hostileDigest(4), { timeZone: 'UTC' }));
    const items = digest.split('\n').filter((line) => line.startsWith('- ['));
    expect(items.map((line) => line.slice(2, 12))).toEqual([
      '[CRITICAL]',
      '[CRITICAL]',
      '[LOW] <b>*',
      '[LOW] <b>*',
    ]);
    expect(digest).toContain('4 alerts since the last digest');
    expect(items[0]).toContain(
      'tablet_0*<script> → 203.0.113.9, Mon 7 Dec 2026, 06:16 UTC (2026-12-07T06:16:00Z) (4×)',
    );
  });

  it('gives syslog one line', () => {
    expect(renderOneLine(buildMessageDocument(fixedSample(), { timeZone: 'UTC' }))).toBe(
      '[HIGH] Test: kids-tablet contacted C2 203.0.113.9 (qakbot) — kids-tablet talked to 203.0.113.9 (update-check.example.net), 4 times, from Mon 7 Dec 2026, 06:16 UTC to 06:28 UTC.',
    );
  });

  it('formats an instant for people and machines', () => {
    expect(formatInstant(Date.UTC(2026, 6, 1, 22, 5, 9) * 1000, { timeZone: 'Europe/London' })).toBe(
      'Wed 1 Jul 2026, 23:05 BST (2026-07-01T22:05:09Z)',
    );
  });
});

describe('renderEmailHtml', () => {
  it('writes a whole HTML document with the dashboard button and escaped text', () => {
    const html = renderEmailHtml(buildMessageDocument(hostileDigest(2)));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('&lt;b&gt;*_evil_*&lt;/b&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<a href="https://yamori.lan:8080/alerts/test-0000000000000001" style=');
  });
});

describe('fitDocument', () => {
  it('drops the last list items for "… and N more" until the rendering fits', () => {
    const doc = buildMessageDocument(hostileDigest(500));
    const fitted = fitDocument(doc, renderedWithin(renderText, 5_000));
    const text = renderText(fitted);
    expect(text.length).toBeLessThanOrEqual(5_000);
    const kept = text.split('\n').filter((line) => line.startsWith('- [')).length;
    expect(text).toContain(`- … and ${500 - kept} more`);
    expect(renderText(fitDocument(doc, renderedWithin(renderText, 5_100))).length).toBeGreaterThan(
      text.length - 400,
    );
  });

  it('returns the document unchanged when it fits', () => {
    const doc = buildMessageDocument(fixedSample());
    expect(fitDocument(doc, () => true)).toBe(doc);
  });

  it('shortens long paragraphs when there is no list left to cut', () => {
    const sample = fixedSample();
    const notice = sample.alerts[0]!;
    const long = { ...notice, rule: { ...notice.rule!, triage: 'word '.repeat(2_000) } };
    const doc = buildMessageDocument({ ...sample, alerts: [long] });
    const text = renderText(fitDocument(doc, renderedWithin(renderText, 3_000)));
    expect(text.length).toBeLessThanOrEqual(3_000);
    expect(text).toContain('word word…');
  });
});
