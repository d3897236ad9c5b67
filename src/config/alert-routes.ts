/**
 * The routing policy's config (`alert.routes`) and the language its conditions are written in: CEL
 * (the Common Expression Language) over one alert. The environment lives here so the loader can
 * compile every `when` at load time, and alert/policy evaluates with the very same one.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { Environment, type ParseError } from '@marcbachmann/cel-js';
import { parseCidr } from './cidr.js';
import { nearestName } from './nearest-name.js';
import type { AlertRouteConfig } from './schema.js';
import { parseDurationSeconds, type Checked } from './structured-values.js';

/** Severity names in rank order (the same list as records/alert.ts). */
const SEVERITY_ORDER = ['info', 'low', 'medium', 'high', 'critical'] as const;

const ROUTE_FIELDS = [
  'name',
  'when',
  'notify',
  'suppress',
  'severity',
  'digest',
  'block',
  'continue',
] as const;

/** What a route condition may name; README "Routing policy" documents each. */
export const ROUTE_VARIABLES = {
  rule: 'string',
  title: 'string',
  severity: 'string',
  severity_rank: 'int',
  tags: 'list<string>',
  sources: 'list<string>',
  count: 'int',
  status: 'string',
  kind: 'string',
} as const;

/** The rank of a severity name (info 0 … critical 4); -1 for an unknown name. */
export function severityRank(severity: string): number {
  return (SEVERITY_ORDER as readonly string[]).indexOf(severity);
}

/**
 * The CEL environment route conditions compile in. `device` and `remote` are typed records, so a
 * misspelt field is a load-time error; a value the alert does not have is "" (0 for `remote.asn`),
 * as CEL treats unset fields.
 */
export function createRouteEnvironment(): Environment {
  const env = new Environment();
  for (const [name, type] of Object.entries(ROUTE_VARIABLES)) env.registerVariable(name, type);
  env.registerVariable({ name: 'device', schema: { name: 'string', mac: 'string', vendor: 'string' } });
  env.registerVariable({
    name: 'remote',
    schema: { addr: 'string', country: 'string', asn: 'int', as_org: 'string', ptr: 'string' },
  });
  env.registerFunction('rank(string): int', (name: string) => BigInt(severityRank(name)));
  env.registerFunction('in_cidr(string, string): bool', inCidr);
  return env;
}

function inCidr(addr: string, cidr: string): boolean {
  const network = parseCidr(cidr);
  const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : null;
  if (network === null || type === null) return false;
  const list = new BlockList();
  list.addSubnet(network.address, network.prefixLength, network.version === 4 ? 'ipv4' : 'ipv6');
  return list.check(addr, type);
}

/** The compile error of a condition: its summary and the column (1-based) where it points. */
export function conditionProblem(env: Environment, when: string): string | null {
  try {
    const checked = env.check(when);
    if (!checked.valid) return describe(checked.error as unknown as ParseError, when);
    if (checked.type !== 'bool') return `must be true or false, but is of type ${checked.type}`;
    return null;
  } catch (error) {
    return describe(error as ParseError, when);
  }
}

function describe(error: ParseError, when: string): string {
  const start = error.range?.start;
  const summary = (error as { summary?: string }).summary ?? error.message.split('\n')[0] ?? '';
  const where =
    typeof start === 'number' ? ` at column ${start + 1} ("${when.slice(start, start + 12)}…")` : '';
  return `is not a valid CEL condition${where}: ${summary}`;
}

const SEVERITY_ACTIONS = ['raise', 'lower', ...SEVERITY_ORDER];

/** Validates `alert.routes` and compiles every condition; the first problem names its route. */
export function checkRoutes(raw: unknown, path: string): Checked<AlertRouteConfig[]> {
  if (raw === null || raw === undefined) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return { ok: false, key: path, problem: 'must be a list of routes' };
  const env = createRouteEnvironment();
  const routes: AlertRouteConfig[] = [];
  const names = new Set<string>();
  for (const [index, item] of (raw as unknown[]).entries()) {
    const key = `${path}[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return { ok: false, key, problem: 'must be a mapping with name, when and actions' };
    }
    const entry = item as Record<string, unknown>;
    for (const field of Object.keys(entry)) {
      if (!(ROUTE_FIELDS as readonly string[]).includes(field)) {
        const near = nearestName(field, ROUTE_FIELDS);
        return {
          ok: false,
          key: `${key}.${field}`,
          problem: `is not a route setting${near ? ` (did you mean "${near}"?)` : ''}`,
        };
      }
    }
    const name = entry['name'];
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
      return {
        ok: false,
        key: `${key}.name`,
        problem: 'must be a route name: lowercase letters, digits, "-", "_"',
      };
    }
    if (names.has(name))
      return { ok: false, key: `${key}.name`, problem: `repeats the route name "${name}"` };
    names.add(name);
    const route = checkRoute(entry, key, name, env);
    if (!route.ok) return route;
    routes.push(route.value);
  }
  return { ok: true, value: routes };
}

function checkRoute(
  entry: Record<string, unknown>,
  key: string,
  name: string,
  env: Environment,
): Checked<AlertRouteConfig> {
  const fail = (field: string, problem: string): Checked<AlertRouteConfig> => ({
    ok: false,
    key: `${key}.${field}`,
    problem: `(route "${name}") ${problem}`,
  });
  const when = entry['when'] ?? 'true';
  if (typeof when !== 'string' || when.trim() === '') return fail('when', 'must be a CEL condition as text');
  const problem = conditionProblem(env, when);
  if (problem !== null)
    return { ...fail('when', problem), shown: JSON.stringify(when) } as Checked<AlertRouteConfig>;
  const notifyRaw = entry['notify'] ?? [];
  const notify = typeof notifyRaw === 'string' ? [notifyRaw] : notifyRaw;
  if (!Array.isArray(notify) || notify.some((c) => typeof c !== 'string' || c === '')) {
    return fail('notify', 'must be a list of channel names');
  }
  let suppressS: number | 'always' | null = null;
  const suppress = entry['suppress'];
  if (suppress === true) suppressS = 'always';
  else if (typeof suppress === 'string') {
    suppressS = parseDurationSeconds(suppress);
    if (suppressS === null) return fail('suppress', 'must be true or a duration such as 6h');
  } else if (suppress !== undefined && suppress !== false && suppress !== null) {
    return fail('suppress', 'must be true or a duration such as 6h');
  }
  const severity = entry['severity'] ?? null;
  if (severity !== null && (typeof severity !== 'string' || !SEVERITY_ACTIONS.includes(severity))) {
    return fail('severity', `must be one of ${SEVERITY_ACTIONS.join(', ')}`);
  }
  let digestS: number | null = null;
  const digest = entry['digest'];
  if (digest !== undefined && digest !== null) {
    digestS = typeof digest === 'string' ? parseDurationSeconds(digest) : null;
    if (digestS === null || digestS < 60)
      return fail('digest', 'must be a period of a minute or more, such as 1h');
    if (notify.length === 0) return fail('digest', 'needs "notify": the channels the digest goes to');
  }
  for (const flag of ['block', 'continue'] as const) {
    if (entry[flag] !== undefined && typeof entry[flag] !== 'boolean')
      return fail(flag, 'must be true or false');
  }
  return {
    ok: true,
    value: {
      name,
      when,
      notify: notify as string[],
      suppressS,
      severity: severity as AlertRouteConfig['severity'],
      digestS,
      block: entry['block'] === true,
      continue: entry['continue'] === true,
    },
  };
}
