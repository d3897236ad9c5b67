import { nearestName } from '../config/index.js';
import { YamoriError } from '../errors/index.js';
import { ALERT_SEVERITIES, type AlertSeverity } from '../records/index.js';
import { parseDuration } from './duration.js';
import {
  DRIVING_TABLES,
  ENTITY_ROLES,
  RULE_KINDS,
  RULE_STATUSES,
  type DrivingTable,
  type EntityRole,
  type RuleDefinition,
  type RuleKind,
  type RuleStatus,
} from './rule.js';
import type { YamlFile } from './yaml-file.js';

/** Every key rule.yaml may hold; `true` marks the optional ones. */
const KEYS: Record<string, boolean> = {
  id: false,
  title: false,
  description: false,
  severity: false,
  status: false,
  kind: true,
  tags: false,
  schedule: true,
  dedup: false,
  entities: true,
  alert_title: false,
  false_positives: false,
  triage: false,
  references: false,
  requires: false,
  driven_by: true,
  author: false,
  created: false,
  modified: true,
  suppress_for: true,
  limits: true,
};

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;
const TAG = /^[a-z0-9][a-z0-9._-]*$/;
const COLUMN = /^[a-z_][a-z0-9_]*$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** What checking found: the definition when nothing is wrong, and every problem otherwise. */
export type SchemaResult = { ok: true; rule: RuleDefinition } | { ok: false; problems: YamoriError[] };

/**
 * Checks rule.yaml against the rule format (docs/writing-rules.md) and reports every problem at once,
 * each naming the file, line and key: missing and unknown keys (with the nearest valid name), types,
 * enums, durations, dates, and `modified` not before `created`.
 */
export function checkRuleYaml(yaml: YamlFile): SchemaResult {
  const problems: YamoriError[] = [];
  const fail = (path: (string | number)[], problem: string, advice = ''): void => {
    problems.push(
      new YamoriError('RULE_SCHEMA_INVALID', {
        file: yaml.file,
        line: yaml.lineOf(path),
        key: path
          .map((p) => (typeof p === 'number' ? `[${p}]` : p))
          .join('.')
          .replace(/\.\[/g, '['),
        problem,
        advice,
      }),
    );
  };
  const data = yaml.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    fail([], 'must be a mapping of keys to values', 'Start with "id: <category>-<what>".');
    return { ok: false, problems };
  }
  const doc = data as Record<string, unknown>;
  checkKeys(doc, KEYS, [], fail);
  const text = (key: string): string => {
    const value = doc[key];
    if (value === undefined) return '';
    if (typeof value !== 'string' || value.trim() === '') {
      fail([key], 'must be non-empty text');
      return '';
    }
    return value.trim();
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = doc[key];
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    fail([key], `must be one of ${allowed.join(', ')}`, `Got ${JSON.stringify(value)}.`);
    return fallback;
  };
  const textList = (path: (string | number)[], value: unknown, pattern?: RegExp, what?: string): string[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      fail(path, 'must be a list');
      return [];
    }
    const items: string[] = [];
    value.forEach((item, index) => {
      if (typeof item !== 'string' || item.trim() === '') fail([...path, index], 'must be non-empty text');
      else if (pattern !== undefined && !pattern.test(item))
        fail([...path, index], `must be ${what ?? 'valid'}`, `Got "${item}".`);
      else items.push(item.trim());
    });
    return items;
  };

  const id = text('id');
  if (id !== '' && !ID.test(id)) {
    fail(
      ['id'],
      'must be kebab-case "<category>-<what>"',
      `For example "intel-outbound-to-c2-address"; got "${id}".`,
    );
  }
  const severity = oneOf<AlertSeverity>('severity', ALERT_SEVERITIES, 'info');
  const status = oneOf<RuleStatus>('status', RULE_STATUSES, 'experimental');
  const kind = oneOf<RuleKind>('kind', RULE_KINDS, 'event');
  const tags = textList(['tags'], doc['tags'], TAG, 'lowercase, such as "attack.t1071" or "intel"');

  const schedule = { everyUs: null as number | null, lookbackUs: null as number | null };
  const scheduleDoc = mapping(doc['schedule'], ['schedule'], fail);
  if (scheduleDoc !== null) {
    checkKeys(scheduleDoc, { every: true, lookback: true }, ['schedule'], fail);
    schedule.everyUs = duration(scheduleDoc['every'], ['schedule', 'every'], fail);
    schedule.lookbackUs = duration(scheduleDoc['lookback'], ['schedule', 'lookback'], fail);
  }

  const dedup = textList(['dedup'], doc['dedup'], COLUMN, 'a result column name (lowercase, digits, _)');
  if (Array.isArray(doc['dedup']) && doc['dedup'].length === 0) {
    fail(
      ['dedup'],
      'must name at least one result column',
      'For example "dedup: [device_mac, remote_addr]".',
    );
  }
  if (new Set(dedup).size !== dedup.length) fail(['dedup'], 'names a column twice');

  const entities: Partial<Record<EntityRole, string>> = {};
  const entitiesDoc = mapping(doc['entities'], ['entities'], fail);
  if (entitiesDoc !== null) {
    checkKeys(entitiesDoc, Object.fromEntries(ENTITY_ROLES.map((role) => [role, true])), ['entities'], fail);
    for (const role of ENTITY_ROLES) {
      const column = entitiesDoc[role];
      if (column === undefined) continue;
      if (typeof column !== 'string' || !COLUMN.test(column)) {
        fail(['entities', role], 'must be a result column name (lowercase, digits, _)');
      } else entities[role] = column;
    }
  }

  const alertTitle = text('alert_title');
  const falsePositives = textList(['false_positives'], doc['false_positives']);
  if (Array.isArray(doc['false_positives']) && doc['false_positives'].length === 0) {
    fail(['false_positives'], 'must list at least one', 'Write "none known" rather than leaving it empty.');
  }
  const references = textList(['references'], doc['references'], /^https?:\/\/\S+$/, 'a URL (http or https)');

  const requires = { tables: [] as string[], feeds: [] as string[] };
  const requiresDoc = mapping(doc['requires'], ['requires'], fail);
  if (requiresDoc !== null) {
    checkKeys(requiresDoc, { tables: false, feeds: true }, ['requires'], fail);
    requires.tables = textList(['requires', 'tables'], requiresDoc['tables'], COLUMN, 'a table or view name');
    requires.feeds = textList(['requires', 'feeds'], requiresDoc['feeds']);
    if (Array.isArray(requiresDoc['tables']) && requiresDoc['tables'].length === 0) {
      fail(['requires', 'tables'], 'must name the tables and views the SQL reads');
    }
  }

  const drivenBy: DrivingTable[] = [];
  textList(['driven_by'], doc['driven_by']).forEach((table, index) => {
    if (!(DRIVING_TABLES as readonly string[]).includes(table)) {
      fail(
        ['driven_by', index],
        `must be one of ${DRIVING_TABLES.join(', ')}`,
        `Only tables stored with an ingestion time drive a window; got "${table}".`,
      );
    } else if (requiresDoc !== null && !requires.tables.includes(table)) {
      fail(['driven_by', index], `names "${table}", which requires.tables does not list`);
    } else if (!drivenBy.includes(table as DrivingTable)) drivenBy.push(table as DrivingTable);
  });
  if (Array.isArray(doc['driven_by']) && doc['driven_by'].length === 0) {
    fail(['driven_by'], 'must name at least one table', 'Leave the key out to have every pass run.');
  }

  const created = date(doc['created'], ['created'], fail);
  const modified = doc['modified'] === undefined ? null : date(doc['modified'], ['modified'], fail);
  if (created !== null && modified !== null && modified < created) {
    fail(
      ['modified'],
      `is earlier than created (${created})`,
      'Set "modified" to the date of the last change.',
    );
  }

  const suppressForUs = duration(doc['suppress_for'], ['suppress_for'], fail);
  const limits = { timeoutUs: null as number | null, maxResults: null as number | null };
  const limitsDoc = mapping(doc['limits'], ['limits'], fail);
  if (limitsDoc !== null) {
    checkKeys(limitsDoc, { timeout: true, max_results: true }, ['limits'], fail);
    limits.timeoutUs = duration(limitsDoc['timeout'], ['limits', 'timeout'], fail);
    if (limits.timeoutUs !== null && limits.timeoutUs < 1_000)
      fail(['limits', 'timeout'], 'must be at least 1ms');
    const max = limitsDoc['max_results'];
    if (max !== undefined) {
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
        fail(
          ['limits', 'max_results'],
          'must be a whole number of at least 1',
          `Got ${JSON.stringify(max)}.`,
        );
      } else limits.maxResults = max;
    }
  }

  const rule: RuleDefinition = {
    id,
    title: text('title'),
    description: text('description'),
    severity,
    status,
    kind,
    tags,
    schedule,
    dedup,
    entities,
    alertTitle,
    falsePositives,
    triage: text('triage'),
    references,
    requires,
    drivenBy,
    author: text('author'),
    created: created ?? '',
    modified,
    suppressForUs,
    limits,
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rule };
}

type Fail = (path: (string | number)[], problem: string, advice?: string) => void;

function checkKeys(
  doc: Record<string, unknown>,
  keys: Record<string, boolean>,
  path: string[],
  fail: Fail,
): void {
  const known = Object.keys(keys);
  for (const key of Object.keys(doc)) {
    if (Object.hasOwn(keys, key)) continue;
    const near = nearestName(key, known);
    fail(
      [...path, key],
      'is not a rule.yaml key',
      near ? `Did you mean "${near}"?` : `Known keys: ${known.join(', ')}.`,
    );
  }
  for (const [key, optional] of Object.entries(keys)) {
    if (!optional && doc[key] === undefined)
      fail(
        [...path, key],
        'is missing',
        'Every key without "optional" in docs/writing-rules.md is required.',
      );
  }
}

function mapping(value: unknown, path: string[], fail: Fail): Record<string, unknown> | null {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(path, 'must be a mapping of keys to values');
    return null;
  }
  return value as Record<string, unknown>;
}

function duration(value: unknown, path: string[], fail: Fail): number | null {
  if (value === undefined) return null;
  const micros = typeof value === 'string' ? parseDuration(value) : null;
  if (micros === null || micros === 0) {
    fail(path, 'must be a duration such as 30s, 5m, 2h or 7d', `Got ${JSON.stringify(value)}.`);
    return null;
  }
  return micros;
}

function date(value: unknown, path: string[], fail: Fail): string | null {
  if (value === undefined) return null;
  const text = typeof value === 'string' ? value : '';
  const match = DATE.exec(text);
  const parsed = match === null ? NaN : Date.parse(`${text}T00:00:00Z`);
  const valid =
    !Number.isNaN(parsed) &&
    new Date(parsed).toISOString().slice(0, 10) === text &&
    Number(match![1]) >= 2000;
  if (!valid) {
    fail(path, 'must be a date written YYYY-MM-DD', `Got ${JSON.stringify(value)}.`);
    return null;
  }
  return text;
}
