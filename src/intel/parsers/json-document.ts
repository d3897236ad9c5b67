import { stripBom } from '../normalise-indicator.js';
import { excerpt, parseFailed, rejectHtml } from './parse-failed.js';
import type { ParseContext } from './parser.js';

/** The parsed JSON document; FEED_PARSE_FAILED for an HTML page or text that is not JSON (e.g. truncated). */
export function parseJsonDocument(text: string, context: ParseContext, format: string): unknown {
  rejectHtml(text, context, format);
  const body = stripBom(text);
  if (body.trim().length === 0)
    throw parseFailed(context, format, `is empty, where ${format} JSON was expected`);
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw parseFailed(context, format, `is not valid JSON (${excerpt((error as Error).message, 120)})`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string property, trimmed; "" when missing, null or not a string. Numbers are written as text. */
export function textField(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

/** A string property, or null when it is missing, empty or one of the "no value" spellings feeds use. */
export function optionalText(record: Record<string, unknown>, key: string): string | null {
  const value = textField(record, key);
  return value === '' || value === 'None' || value === 'null' || value === 'n/a' ? null : value;
}
