import { CATALOGUE, type ErrorCode } from './catalogue.js';

export type ErrorParams = Record<string, string | number>;

/**
 * The one error class users see. The wording lives in the catalogue; the throw site passes the values,
 * already formatted, and where the failure came from.
 */
export class YamoriError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly source: string | undefined;
  readonly exitCode: 1 | 2;

  constructor(code: ErrorCode, params: ErrorParams = {}, options: { source?: string; cause?: unknown } = {}) {
    const entry = CATALOGUE[code];
    super(fill(entry.message, params), { cause: options.cause });
    this.name = 'YamoriError';
    this.code = code;
    this.hint = fill(entry.hint, params);
    this.source = options.source;
    this.exitCode = entry.kind === 'usage' ? 2 : 1;
  }
}

function fill(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = params[key];
    return value === undefined ? whole : String(value);
  });
}

export function isYamoriError(value: unknown): value is YamoriError {
  return value instanceof YamoriError;
}
