import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderSpans, type MarkdownFlavour } from './render-markdown.js';

describe('escapeMarkdown', () => {
  it.each<[MarkdownFlavour, string, string]>([
    ['slack', 'a <b> & c', 'a &lt;b&gt; &amp; c'],
    ['slack', '<!channel> *bold*', '&lt;!channel&gt; *bold*'],
    ['telegram', 'v1.2 (beta) - ok!', 'v1\\.2 \\(beta\\) \\- ok\\!'],
    ['telegram', '_*[]()~`>#+-=|{}.!\\', '\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\'],
    ['commonmark', '**not bold** [x](y)', '\\*\\*not bold\\*\\* \\[x\\]\\(y\\)'],
    ['commonmark', '@everyone #12 <script>', '\\@everyone \\#12 \\<script\\>'],
    ['commonmark', '- not a list', '\\- not a list'],
    ['commonmark', '1. not a list', '\\1. not a list'],
  ])('%s escapes %j', (flavour, input, expected) => {
    expect(escapeMarkdown(input, flavour)).toBe(expected);
  });
});

describe('renderSpans', () => {
  const spans = [
    { text: 'tab_1', style: 'bold' as const },
    { text: ' at ' },
    { text: '203.0.113.9', style: 'code' as const },
    { text: ' see ' },
    { text: 'details (1)', href: 'https://example.org/a_(b)?x=1&y=<2>|z' },
  ];

  it.each<[MarkdownFlavour, string]>([
    ['slack', '*tab_1* at `203.0.113.9` see <https://example.org/a_(b)?x=1&amp;y=%3C2%3E%7Cz|details (1)>'],
    ['telegram', '*tab\\_1* at `203.0.113.9` see [details \\(1\\)](https://example.org/a_(b\\)?x=1&y=<2>|z)'],
    [
      'commonmark',
      '**tab\\_1** at `203.0.113.9` see [details \\(1\\)](https://example.org/a_%28b%29?x=1&y=%3C2%3E|z)',
    ],
  ])('%s writes bold, code and links in its own syntax', (flavour, expected) => {
    expect(renderSpans(spans, flavour)).toBe(expected);
  });

  it('keeps backticks from closing a code span early', () => {
    expect(renderSpans([{ text: 'a`b', style: 'code' }], 'commonmark')).toBe("`a'b`");
    expect(renderSpans([{ text: 'a`b\\', style: 'code' }], 'telegram')).toBe('`a\\`b\\\\`');
  });
});
