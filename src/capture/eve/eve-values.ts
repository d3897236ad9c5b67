/** Reading untyped eve.json values without trusting them. */
export type JsonObject = Record<string, unknown>;

export function objectAt(value: unknown, key: string): JsonObject | null {
  if (value === null || typeof value !== 'object') return null;
  const inner = (value as JsonObject)[key];
  return inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? (inner as JsonObject) : null;
}

export function textAt(value: JsonObject | null, key: string): string | null {
  const inner = value?.[key];
  return typeof inner === 'string' ? inner : null;
}

/** A non-negative integer a double holds exactly; NaN when missing or anything else. */
export function countAt(value: JsonObject | null, key: string): number {
  const inner = value?.[key];
  return typeof inner === 'number' && Number.isSafeInteger(inner) && inner >= 0 ? inner : Number.NaN;
}

export function listAt(value: JsonObject | null, key: string): unknown[] | null {
  const inner = value?.[key];
  return Array.isArray(inner) ? inner : null;
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
