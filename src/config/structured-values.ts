/**
 * Validation of the config values that are more than a scalar: the feeds map and the allow-list.
 * Each returns the value in TypeScript shape, or a problem sentence naming the sub-key.
 */
import { parseCidr } from './cidr.js';
import { nearestName } from './nearest-name.js';
import type { AllowlistEntryConfig, FeedConfig } from './schema.js';

export type Checked<T> =
  | { ok: true; value: T }
  /** `shown`: the offending part of the value, when it is clearer than the whole. */
  | { ok: false; key: string; problem: string; shown?: string };

const FEED_FIELDS = [
  'enabled',
  'url',
  'format',
  'schedule',
  'type',
  'threat',
  'malware',
  'confidence',
  'licence',
  'options',
  'auth_header',
  'auth_value',
] as const;

/** "15m", "6h", "1d", "90s" → seconds; null when it is not a duration. */
export function parseDurationSeconds(text: string): number | null {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!match) return null;
  const unit = { s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export function checkFeeds(raw: unknown, path: string): Checked<Record<string, FeedConfig>> {
  if (raw === null || raw === undefined) return { ok: true, value: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, key: path, problem: 'must be a mapping of feed names to settings' };
  }
  const feeds: Record<string, FeedConfig> = {};
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const key = `${path}.${name}`;
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
      return { ok: false, key, problem: 'is not a feed name: use lowercase letters, digits, "-" and "_"' };
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      return { ok: false, key, problem: 'must be a mapping such as { enabled: true }' };
    }
    const feed: FeedConfig = {};
    for (const [field, value] of Object.entries(entry as Record<string, unknown>)) {
      const fieldKey = `${key}.${field}`;
      if (!(FEED_FIELDS as readonly string[]).includes(field)) {
        const near = nearestName(field, FEED_FIELDS);
        return {
          ok: false,
          key: fieldKey,
          problem: `is not a feed setting${near ? ` (did you mean "${near}"?)` : ''}`,
        };
      }
      const problem = checkFeedField(field, value);
      if (problem) return { ok: false, key: fieldKey, problem };
      (feed as Record<string, unknown>)[camel(field)] =
        field === 'schedule' ? parseDurationSeconds(String(value)) : value;
    }
    feeds[name] = feed;
  }
  return { ok: true, value: feeds };
}

function checkFeedField(field: string, value: unknown): string | null {
  switch (field) {
    case 'enabled':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'url':
      return typeof value === 'string' && /^(https?|file):\/\/\S+$/.test(value)
        ? null
        : 'must be an http://, https:// or file:// URL';
    case 'schedule':
      return typeof value === 'string' && parseDurationSeconds(value) !== null
        ? null
        : 'must be a duration such as 30m, 6h or 1d';
    case 'confidence':
      return typeof value === 'number' && value >= 0 && value <= 100
        ? null
        : 'must be a number from 0 to 100';
    case 'options':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? null
        : 'must be a mapping';
    default:
      return typeof value === 'string' && value.length > 0 ? null : 'must be non-empty text';
  }
}

function camel(field: string): string {
  return field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function checkAllowlist(raw: unknown, path: string): Checked<AllowlistEntryConfig[]> {
  if (raw === null || raw === undefined) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return { ok: false, key: path, problem: 'must be a list of entries' };
  const entries: AllowlistEntryConfig[] = [];
  for (const [index, item] of (raw as unknown[]).entries()) {
    const key = `${path}[${index}]`;
    const entry: unknown = typeof item === 'string' ? { value: item, reason: 'user allow-list' } : item;
    if (
      entry === null ||
      typeof entry !== 'object' ||
      typeof (entry as { value?: unknown }).value !== 'string'
    ) {
      return { ok: false, key, problem: 'must be an address, network, domain or URL, or { value, reason }' };
    }
    const { value, reason } = entry as { value: string; reason?: unknown };
    const isNetwork = parseCidr(value) !== null;
    const isDomain = /^(\*\.)?([a-z0-9-]+\.)+[a-z0-9-]+\.?$/i.test(value);
    const isUrl = /^https?:\/\/\S+$/i.test(value);
    if (!isNetwork && !isDomain && !isUrl) {
      return { ok: false, key, problem: `has "${value}", which is not an address, network, domain or URL` };
    }
    entries.push({ value, reason: typeof reason === 'string' && reason ? reason : 'user allow-list' });
  }
  return { ok: true, value: entries };
}
