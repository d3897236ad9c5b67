import { YamoriError } from '../../errors/index.js';
import type { ParseContext } from './parser.js';

/** The FEED_PARSE_FAILED error for a document that is not of `format` at all. */
export function parseFailed(context: ParseContext, format: string, detail: string): YamoriError {
  return new YamoriError(
    'FEED_PARSE_FAILED',
    { feed: context.feed, location: context.location, detail },
    { source: `${context.feed} (${format})` },
  );
}

const HTML_MARKERS = [
  '<!doctype html',
  '<html',
  '<head',
  '<body',
  '<title',
  '<meta',
  '<script',
  '<h1',
  '<center',
];

/**
 * Throws FEED_PARSE_FAILED when the text is an HTML page (a login, rate-limit or error page served
 * with 200). Only the first 1 KiB is looked at, so the check costs nothing on a real feed.
 */
export function rejectHtml(text: string, context: ParseContext, format: string): void {
  let i = 0;
  while (i < text.length && i < 1024) {
    const c = text.charCodeAt(i);
    if (c !== 0xfeff && c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  if (text.charCodeAt(i) !== 60 /* < */) return;
  const head = text.slice(i, i + 1024).toLowerCase();
  for (const marker of HTML_MARKERS) {
    if (head.includes(marker)) throw parseFailed(context, format, `looks like an HTML page, not ${format}`);
  }
}

/** Text cut to `max` characters for a message, so a 10 MB line never lands in a log. */
export function excerpt(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
