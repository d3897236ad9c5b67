import { isYamoriError, YamoriError } from '../errors/index.js';
import { parseYamlFile, type YamlFile } from './yaml-file.js';

/** The emulator's stand-in for "now" in overseer fixtures. */
export const OVERSEER_NOW = '0000-00-00T00:00:00Z';

/** When converted rows arrive: just before the case's clock, so the rule's first window holds them all. */
export const OVERSEER_ARRIVAL = '-1s';

type Value = string | number | boolean | null | Value[];
type Row = Record<string, Value>;

/** A fixture converted to Yamori's fixture tables, with notes on what was left out. */
export interface ConvertedFixture {
  tables: { flows: Row[]; indicators: Row[] };
  notes: string[];
}

/**
 * How an overseer table becomes Yamori fixture rows. `columns`: overseer column → fixture column.
 * `defaults`: columns Yamori shows with a fixed value (a row may give only that value).
 * `dropped`: columns the fixture cannot carry; left out, unless the query reads them.
 */
interface TableMapping {
  target: 'flows' | 'indicators';
  fixed: Row;
  columns: Record<string, string>;
  defaults: Record<string, string>;
  dropped: string[];
}

const FLOW_COLUMNS = [
  'id',
  'protocol',
  'src_addr',
  'dst_addr',
  'src_port',
  'dst_port',
  'first_seen_at',
  'last_seen_at',
  'src_bytes',
  'dst_bytes',
  'src_packets',
  'dst_packets',
  'status',
];

const MAPPINGS: Record<string, TableMapping> = {
  flow_logs: {
    target: 'flows',
    fixed: { ingested_at: OVERSEER_ARRIVAL },
    columns: Object.fromEntries(FLOW_COLUMNS.map((column) => [column, column])),
    defaults: {},
    dropped: [],
  },
  abusech_feodo: {
    target: 'indicators',
    fixed: { source: 'feodo', type: 'ipv4' },
    columns: {
      ip_address: 'value',
      port: 'port',
      first_seen: 'source_first_seen_at',
      last_online: 'source_last_seen_at',
      malware: 'malware_family',
    },
    defaults: { status: 'online' },
    dropped: ['hostname', 'as_number', 'as_name', 'country'],
  },
  abusech_urlhaus: {
    target: 'indicators',
    fixed: { source: 'urlhaus', type: 'url' },
    columns: {
      url: 'value',
      dateadded: 'source_first_seen_at',
      threat: 'threat',
      tags: 'tags',
      urlhaus_link: 'reference',
    },
    defaults: { url_status: 'online' },
    dropped: ['id', 'reporter'],
  },
  spamhaus_drop: {
    target: 'indicators',
    fixed: { source: 'spamhaus-drop' },
    columns: { cidr: 'value', sbl_ref: 'reference' },
    defaults: {},
    dropped: [],
  },
};

type ColumnType = 'text' | 'integer' | 'number' | 'boolean' | 'time' | 'date';

const TYPES: Record<string, ColumnType> = {
  STRING: 'text',
  BYTES: 'text',
  INTEGER: 'integer',
  INT64: 'integer',
  FLOAT: 'number',
  FLOAT64: 'number',
  NUMERIC: 'number',
  BIGNUMERIC: 'number',
  BOOLEAN: 'boolean',
  BOOL: 'boolean',
  TIMESTAMP: 'time',
  DATETIME: 'time',
  DATE: 'date',
};

/**
 * Converts the BigQuery emulator's data file (projects → datasets → tables, each with `columns` of
 * name, type and mode and `data` rows) into Yamori fixture tables: `flow_logs` rows become flows (all
 * arriving one second before the case's clock), and the rows of the per-feed tables become indicators
 * of that feed. Values are checked against their column's declared type; the "now" placeholder
 * becomes "now" (the case's clock), other times are kept (absolute as ISO 8601 UTC, relative such as
 * "-10m" as written). `queryText` (comments and strings blanked) decides whether a column the fixture
 * cannot carry may be left out. Throws OVERSEER_FIXTURE_INVALID naming the file and line.
 */
export function convertOverseerFixture(file: string, text: string, queryText: string): ConvertedFixture {
  let yaml: YamlFile;
  try {
    yaml = parseYamlFile(file, text);
  } catch (error) {
    if (!isYamoriError(error)) throw error;
    throw new YamoriError('OVERSEER_FIXTURE_INVALID', {
      file,
      line: /line (\d+)/.exec(error.message)?.[1] ?? 1,
      problem: `the file is not valid YAML (${error.message.replace(/^.*line \d+: /, '')})`,
      advice: 'Fix the YAML syntax.',
    });
  }
  const fail = (path: (string | number)[], problem: string, advice = ''): never => {
    throw new YamoriError('OVERSEER_FIXTURE_INVALID', { file, line: yaml.lineOf(path), problem, advice });
  };
  const list = (value: unknown, path: (string | number)[], what: string): Record<string, unknown>[] => {
    if (value === undefined || value === null) return [];
    if (
      !Array.isArray(value) ||
      value.some((item) => item === null || typeof item !== 'object' || Array.isArray(item))
    ) {
      return fail(path, `"${what}" must be a list of mappings`);
    }
    return value as Record<string, unknown>[];
  };
  const doc = yaml.data as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object' || !Array.isArray(doc['projects'])) {
    return fail([], 'the file must start with "projects:", as the emulator\'s data files do');
  }
  const converted: ConvertedFixture = { tables: { flows: [], indicators: [] }, notes: [] };
  const mentioned = new Set(queryText.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
  list(doc['projects'], ['projects'], 'projects').forEach((project, p) => {
    list(project['datasets'], ['projects', p, 'datasets'], 'datasets').forEach((dataset, d) => {
      const base = ['projects', p, 'datasets', d];
      list(dataset['tables'], [...base, 'tables'], 'tables').forEach((table, t) => {
        const path = [...base, 'tables', t];
        const id = typeof table['id'] === 'string' ? table['id'] : '';
        const mapping = MAPPINGS[id];
        if (mapping === undefined) {
          fail(
            [...path, 'id'],
            `the table "${id}" has no Yamori equivalent the importer knows`,
            `It converts ${Object.keys(MAPPINGS).join(', ')}.`,
          );
        }
        const types = new Map<string, { type: ColumnType; repeated: boolean }>();
        list(table['columns'], [...path, 'columns'], 'columns').forEach((column, c) => {
          const name = typeof column['name'] === 'string' ? column['name'] : '';
          const type = typeof column['type'] === 'string' ? TYPES[column['type'].toUpperCase()] : undefined;
          if (name === '' || type === undefined) {
            fail(
              [...path, 'columns', c],
              `a column needs a name and a type Yamori knows (got ${JSON.stringify(column)})`,
              `Types: ${Object.keys(TYPES).join(', ')}.`,
            );
          }
          types.set(name, {
            type: type!,
            repeated: typeof column['mode'] === 'string' && column['mode'].toUpperCase() === 'REPEATED',
          });
        });
        list(table['data'], [...path, 'data'], 'data').forEach((data, r) => {
          const rowPath = [...path, 'data', r];
          const row: Row = {};
          for (const [column, raw] of Object.entries(data)) {
            const declared = types.get(column);
            if (declared === undefined) {
              fail(
                [...rowPath, column],
                `"${column}" is not among the table's columns`,
                'Declare it under "columns".',
              );
            }
            const value = convertValue(raw, declared!.type, declared!.repeated);
            if (value === undefined) {
              fail(
                [...rowPath, column],
                `${id}.${column} must be ${declared!.repeated ? 'a list of ' : ''}${declared!.type} values (got ${JSON.stringify(raw)})`,
                declared!.type === 'time' ? `Write "${OVERSEER_NOW}" for now, or an ISO 8601 time.` : '',
              );
            }
            const target = mapping!.columns[column];
            if (target !== undefined) {
              if (value !== null) row[target] = value!;
              continue;
            }
            const standard = mapping!.defaults[column];
            if (standard !== undefined) {
              if (value !== null && value !== standard) {
                fail(
                  [...rowPath, column],
                  `${id}.${column} "${String(value)}" cannot be reproduced: Yamori shows every ${id} row the feed lists as "${standard}"`,
                  `Leave the row out, or give it ${column}: ${standard}.`,
                );
              }
              continue;
            }
            if (mapping!.dropped.includes(column)) {
              if (value === null) continue;
              if (mentioned.has(column)) {
                fail(
                  [...rowPath, column],
                  `${id}.${column} cannot be given in a Yamori fixture, and the query reads it`,
                  'Yamori fixtures carry the indicator itself; rewrite the query without this column.',
                );
              }
              const note = `${id}.${column} is left out: Yamori's fixtures cannot carry it and the query does not read it`;
              if (!converted.notes.includes(note)) converted.notes.push(note);
              continue;
            }
            fail(
              [...rowPath, column],
              `${id}.${column} has no Yamori equivalent`,
              `The importer converts ${[...Object.keys(mapping!.columns), ...Object.keys(mapping!.defaults), ...mapping!.dropped].join(', ')}.`,
            );
          }
          Object.assign(row, mapping!.fixed);
          if (mapping!.target === 'indicators' && typeof row['value'] !== 'string') {
            fail(rowPath, `a ${id} row needs ${Object.keys(mapping!.columns)[0]!}`);
          }
          converted.tables[mapping!.target].push(row);
        });
      });
    });
  });
  return converted;
}

/**
 * The rows an overseer test expects, from the expectation file beside its fixture: a mapping with
 * `expect:`, a list of rows (each a subset of the result's columns). Times written as the "now"
 * placeholder become "now". Throws OVERSEER_FIXTURE_INVALID naming the file and line.
 */
export function readOverseerExpectation(file: string, text: string): Row[] {
  const yaml = parseYamlFile(file, text);
  const fail = (path: (string | number)[], problem: string): never => {
    throw new YamoriError('OVERSEER_FIXTURE_INVALID', {
      file,
      line: yaml.lineOf(path),
      problem,
      advice: 'The file holds "expect:" with a list of rows, or "expect: []".',
    });
  };
  const doc = yaml.data as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return fail([], 'the file must be a mapping with "expect"');
  for (const key of Object.keys(doc))
    if (key !== 'expect') fail([key], `"${key}" is not a key of an expectation file`);
  if (!Array.isArray(doc['expect'])) return fail(['expect'], '"expect" must be a list of rows');
  return (doc['expect'] as unknown[]).map((row, index) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row) || Object.keys(row).length === 0) {
      return fail(['expect', index], 'an expected row must be a mapping of result columns to values');
    }
    return Object.fromEntries(
      Object.entries(row as Record<string, unknown>).map(([column, value]) => [column, expectedValue(value)]),
    );
  });
}

function expectedValue(value: unknown): Value {
  if (value === OVERSEER_NOW) return 'now';
  if (Array.isArray(value)) return value.map(expectedValue);
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as Value;
  return JSON.stringify(value);
}

function convertValue(raw: unknown, type: ColumnType, repeated: boolean): Value | undefined {
  if (raw === null || raw === undefined) return null;
  if (repeated) {
    if (!Array.isArray(raw)) return undefined;
    const items = raw.map((item) => convertValue(item, type, false));
    return items.some((item) => item === undefined || item === null) ? undefined : (items as Value[]);
  }
  switch (type) {
    case 'text':
      return typeof raw === 'string' || typeof raw === 'number' ? String(raw) : undefined;
    case 'integer': {
      const number = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
    }
    case 'number': {
      const number = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'time':
      return typeof raw === 'string' ? convertTime(raw) : raw instanceof Date ? raw.toISOString() : undefined;
    case 'date': {
      if (raw === '0000-00-00' || raw === OVERSEER_NOW) return 'now';
      const text = raw instanceof Date ? raw.toISOString().slice(0, 10) : raw;
      return typeof text === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text))
        ? `${text}T00:00:00Z`
        : undefined;
    }
  }
}

/** The placeholder as "now", relative times as written, absolute times as ISO 8601 UTC. */
function convertTime(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === OVERSEER_NOW) return 'now';
  if (trimmed === 'now' || /^[+-]\d+(?:ms|s|m|h|d|w)$/.test(trimmed)) return trimmed;
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,6})?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i.exec(
    trimmed,
  );
  if (match === null) return undefined;
  const zone =
    match[4] === undefined || /^(z|utc)$/i.test(match[4])
      ? 'Z'
      : match[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const iso = `${match[1]}T${match[2]}${match[3] ?? ''}${zone}`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}
