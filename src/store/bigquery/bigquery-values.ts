/**
 * Values on their way to and from BigQuery's REST API: typed query parameters, and result cells
 * (the API's `{f: [{v}]}` rows, all text) turned back into the project's types.
 */
import type { EpochMicros } from '../../records/index.js';

/** A scalar parameter type of GoogleSQL. */
export type BqScalarType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'BIGNUMERIC' | 'JSON';

/** A typed query parameter; `null` values keep their type (BigQuery needs it). */
export type BqParam =
  | { type: BqScalarType; value: string | number | bigint | boolean | null }
  | { type: 'ARRAY'; elementType: BqScalarType; values: readonly (string | number | bigint | boolean)[] };

/**
 * A parameter value: typed (see `bq`), or plain: text as STRING, a boolean as BOOL, an integer as
 * INT64, another number as FLOAT64, a bigint as INT64. A null must be typed (`bq.string(null)`).
 */
export type BqParamValue = BqParam | string | number | bigint | boolean;

/** Typed parameters. `bq.timestamp` takes EpochMicros; `bq.bignumeric` an address number. */
export const bq = {
  string: (value: string | null): BqParam => ({ type: 'STRING', value }),
  int64: (value: number | bigint | null): BqParam => ({ type: 'INT64', value }),
  float64: (value: number | null): BqParam => ({ type: 'FLOAT64', value }),
  bool: (value: boolean | null): BqParam => ({ type: 'BOOL', value }),
  timestamp: (value: EpochMicros | null): BqParam => ({ type: 'TIMESTAMP', value }),
  bignumeric: (value: bigint | null): BqParam => ({ type: 'BIGNUMERIC', value }),
  array: (elementType: BqScalarType, values: readonly (string | number | bigint | boolean)[]): BqParam => ({
    type: 'ARRAY',
    elementType,
    values,
  }),
};

export interface ApiQueryParameter {
  name: string;
  parameterType: { type: string; arrayType?: { type: string } };
  parameterValue: { value?: string | null; arrayValues?: { value: string }[] };
}

/** The API form of named parameters. */
export function toApiParameters(params: Readonly<Record<string, BqParamValue>>): ApiQueryParameter[] {
  return Object.entries(params).map(([name, given]) => {
    const param = typed(given);
    if (param.type === 'ARRAY') {
      return {
        name,
        parameterType: { type: 'ARRAY', arrayType: { type: param.elementType } },
        parameterValue: {
          arrayValues: param.values.map((value) => ({ value: scalarText(param.elementType, value) })),
        },
      };
    }
    return {
      name,
      parameterType: { type: param.type },
      parameterValue: { value: param.value === null ? null : scalarText(param.type, param.value) },
    };
  });
}

function typed(given: BqParamValue): BqParam {
  if (typeof given === 'object') return given;
  if (typeof given === 'string') return bq.string(given);
  if (typeof given === 'boolean') return bq.bool(given);
  if (typeof given === 'bigint') return bq.int64(given);
  return Number.isInteger(given) ? bq.int64(given) : bq.float64(given);
}

function scalarText(type: BqScalarType, value: string | number | bigint | boolean): string {
  if (type === 'TIMESTAMP') {
    if (typeof value !== 'number') throw new TypeError('a TIMESTAMP parameter takes EpochMicros');
    return microsToIso(value);
  }
  if ((type === 'INT64' || type === 'BIGNUMERIC') && typeof value === 'number' && !Number.isInteger(value)) {
    throw new TypeError(`an ${type} parameter takes an integer, not ${value}`);
  }
  return String(value);
}

/** An instant as RFC 3339 text with all six fractional digits, the form BigQuery reads exactly. */
export function microsToIso(micros: EpochMicros): string {
  const whole = Math.trunc(micros);
  const millis = Math.floor(whole / 1000);
  const sub = whole - millis * 1000;
  const iso = new Date(millis).toISOString(); // 2026-12-01T10:00:00.123Z
  return `${iso.slice(0, 23)}${String(sub).padStart(3, '0')}Z`;
}

/** A column of a result, as the API's schema gives it. */
export interface ApiField {
  name: string;
  type: string;
  mode?: string;
  fields?: ApiField[];
}

interface ApiCell {
  v: unknown;
}

/** A value read back: INT64 as a number (a bigint beyond 2^53), TIMESTAMP as EpochMicros. */
export type BqValue =
  string | number | bigint | boolean | Buffer | null | BqValue[] | { [key: string]: BqValue };

/** One API row as an object keyed by column name. */
export function rowFromApi(fields: readonly ApiField[], row: { f: ApiCell[] }): Record<string, BqValue> {
  const out: Record<string, BqValue> = {};
  fields.forEach((field, index) => {
    out[field.name] = cellFromApi(field, row.f[index]?.v ?? null);
  });
  return out;
}

function cellFromApi(field: ApiField, v: unknown): BqValue {
  if (v === null || v === undefined) return field.mode === 'REPEATED' ? [] : null;
  if (field.mode === 'REPEATED') {
    const items = Array.isArray(v) ? (v as ApiCell[]) : [];
    return items.map((item) => cellFromApi({ ...field, mode: 'NULLABLE' }, item.v));
  }
  if (field.type === 'RECORD' || field.type === 'STRUCT') {
    return rowFromApi(field.fields ?? [], v as { f: ApiCell[] });
  }
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  switch (field.type) {
    case 'INTEGER':
    case 'INT64':
      return integerFromText(text);
    case 'FLOAT':
    case 'FLOAT64':
      return Number(text);
    case 'BOOLEAN':
    case 'BOOL':
      return text === 'true';
    case 'TIMESTAMP':
      return timestampFromText(text);
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return /^-?\d+$/.test(text) ? BigInt(text) : text;
    case 'BYTES':
      return Buffer.from(text, 'base64');
    default:
      return text;
  }
}

function integerFromText(text: string): number | bigint {
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : BigInt(text);
}

/** Microseconds since the epoch as text (formatOptions.useInt64Timestamp), or float seconds ("1.7E9"). */
function timestampFromText(text: string): EpochMicros {
  if (/^-?\d+$/.test(text)) return Number(text);
  return Math.round(Number(text) * 1_000_000);
}

/** An ApiField's type as `QueryColumn.type` shows it: GoogleSQL names ("INT64", "ARRAY<STRING>"). */
export function columnType(field: ApiField): string {
  const names: Record<string, string> = {
    INTEGER: 'INT64',
    FLOAT: 'FLOAT64',
    BOOLEAN: 'BOOL',
    RECORD: 'STRUCT',
  };
  const base = names[field.type] ?? field.type;
  return field.mode === 'REPEATED' ? `ARRAY<${base}>` : base;
}
