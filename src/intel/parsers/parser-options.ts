import { YamoriError } from '../../errors/index.js';
import type { IndicatorType } from '../../records/index.js';
import type { ParseContext } from './parser.js';

/** What a parser fills in when the record itself does not say. */
export interface ParserDefaults {
  threat: string | null;
  confidence: number | null;
  malwareFamily: string | null;
  tags: readonly string[];
}

/**
 * The parser's own defaults, overridden by the feed definition's options `threat`, `confidence`
 * (0–100), `malware_family` and `tags`. A value the record states still wins over both.
 */
export function readDefaults(
  context: ParseContext,
  format: string,
  fallback: Partial<ParserDefaults>,
): ParserDefaults {
  const threat = optionString(context, format, 'threat');
  const confidence = optionNumber(context, format, 'confidence', 0, 100);
  const malwareFamily = optionString(context, format, 'malware_family');
  const tags = optionStringList(context, format, 'tags');
  return {
    threat: threat ?? fallback.threat ?? null,
    confidence: confidence ?? fallback.confidence ?? null,
    malwareFamily: malwareFamily ?? fallback.malwareFamily ?? null,
    tags: tags ?? fallback.tags ?? [],
  };
}

export function invalidOption(
  context: ParseContext,
  format: string,
  option: string,
  problem: string,
  example: string,
): YamoriError {
  return new YamoriError('FEED_OPTIONS_INVALID', { feed: context.feed, format, option, problem, example });
}

export function optionString(context: ParseContext, format: string, name: string): string | null {
  const value = context.options[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidOption(
      context,
      format,
      name,
      `must be a non-empty string (got ${JSON.stringify(value)})`,
      `Write e.g. ${name}: "text".`,
    );
  }
  return value;
}

export function optionNumber(
  context: ParseContext,
  format: string,
  name: string,
  min: number,
  max: number,
): number | null {
  const value = context.options[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidOption(
      context,
      format,
      name,
      `must be a number from ${min} to ${max} (got ${JSON.stringify(value)})`,
      `Write e.g. ${name}: ${max}.`,
    );
  }
  return value;
}

export function optionBoolean(context: ParseContext, format: string, name: string): boolean | null {
  const value = context.options[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') {
    throw invalidOption(
      context,
      format,
      name,
      `must be true or false (got ${JSON.stringify(value)})`,
      `Write e.g. ${name}: true.`,
    );
  }
  return value;
}

function optionStringList(context: ParseContext, format: string, name: string): string[] | null {
  const value = context.options[name];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalidOption(
      context,
      format,
      name,
      `must be a list of strings (got ${JSON.stringify(value)})`,
      `Write e.g. ${name}: [c2, botnet].`,
    );
  }
  return value;
}

/** Type names a feed definition may force: the indicator types, plus "ip" (v4 or v6) and "auto". */
export type ValueTypeOption = IndicatorType | 'ip' | 'auto';

const VALUE_TYPES: ReadonlySet<string> = new Set<ValueTypeOption>([
  'auto',
  'ip',
  'ipv4',
  'ipv6',
  'cidr',
  'domain',
  'url',
  'ja3',
  'ja4',
  'cert_sha1',
  'md5',
  'sha1',
  'sha256',
  'asn',
  'email',
]);

export function isValueTypeOption(text: string): text is ValueTypeOption {
  return VALUE_TYPES.has(text);
}

/** The `type` option, checked; null when absent. */
export function optionValueType(
  context: ParseContext,
  format: string,
  name = 'type',
): ValueTypeOption | null {
  const value = optionString(context, format, name);
  if (value === null) return null;
  if (!isValueTypeOption(value)) {
    throw invalidOption(
      context,
      format,
      name,
      `is not a value type (got "${value}")`,
      `Use one of ${[...VALUE_TYPES].join(', ')}.`,
    );
  }
  return value;
}
