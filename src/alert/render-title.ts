/**
 * Fills an `alert_title` template: `{column}` becomes the row's value (a list joins with ", ", a
 * missing or null value shows as "?"), and `{{` / `}}` are literal braces.
 */
export function renderTitle(template: string, row: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{\{|\}\}|\{([a-z_][a-z0-9_]*)\}/g, (whole, column: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    return displayValue(row[column!]);
  });
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '?';
  if (Array.isArray(value)) {
    const items = value.filter((item) => item !== null && item !== undefined).map(displayValue);
    return items.length > 0 ? items.join(', ') : '?';
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '?';
}
