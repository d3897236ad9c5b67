import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { YamoriError } from '../../errors/index.js';
import { isAlertSeverity } from '../../records/index.js';
import type { PolicyDecision, PolicyInput, RoutePolicy } from './route-policy.js';

/** What a case expects; only the keys it gives are compared. */
export interface PolicyExpectation {
  routes?: string[];
  notify?: string[];
  /** Channels that get the alert in a digest. */
  digest?: string[];
  severity?: string;
  /** false, true (always) or a duration in seconds. */
  suppress?: boolean | number;
  block?: boolean;
}

export interface PolicyTestCase {
  name: string;
  input: PolicyInput;
  expect: PolicyExpectation;
}

export interface PolicyTestFile {
  path: string;
  cases: PolicyTestCase[];
}

/** One case's outcome, in the shape detect's junitReport takes (`ruleId` is the file's name). */
export interface PolicyCaseResult {
  ruleId: string;
  caseName: string;
  passed: boolean;
  /** The diff of expected and chosen actions; empty when it passed. */
  failure: string[];
  durationMs: number;
}

const CASE_KEYS = ['name', 'alert', 'expect'];
const ALERT_KEYS = [
  'rule',
  'title',
  'severity',
  'tags',
  'sources',
  'count',
  'status',
  'kind',
  'device',
  'remote',
];
const EXPECT_KEYS = ['routes', 'notify', 'digest', 'severity', 'suppress', 'block'];

/**
 * Reads a policy test file: `cases:`, each with a `name`, an example `alert` (rule, severity, tags,
 * sources, count, status, kind, device {name, mac, vendor}, remote {addr, country, asn, as_org, ptr})
 * and the actions it `expect`s. Throws POLICY_TESTS_INVALID naming the file and case.
 */
export function readPolicyTests(path: string): PolicyTestFile {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw invalid(path, '(file)', cause instanceof Error ? cause.message.split('\n')[0]! : String(cause));
  }
  const cases = (doc as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases) || cases.length === 0)
    throw invalid(path, '(file)', 'needs "cases:", a non-empty list');
  return {
    path,
    cases: cases.map((raw, index) => readCase(path, raw, index)),
  };
}

function readCase(path: string, raw: unknown, index: number): PolicyTestCase {
  const record = asRecord(raw);
  const name = typeof record?.['name'] === 'string' ? record['name'] : `case ${index + 1}`;
  const fail = (problem: string): YamoriError => invalid(path, name, problem);
  if (record === null) throw fail('must be a mapping with name, alert and expect');
  const unknown = Object.keys(record).find((k) => !CASE_KEYS.includes(k));
  if (unknown !== undefined) throw fail(`"${unknown}" is not a case key (${CASE_KEYS.join(', ')})`);
  const alert = asRecord(record['alert']);
  const expect = asRecord(record['expect']);
  if (alert === null) throw fail('needs "alert:", the example alert');
  if (expect === null) throw fail('needs "expect:", the actions expected');
  const badAlert = Object.keys(alert).find((k) => !ALERT_KEYS.includes(k));
  if (badAlert !== undefined)
    throw fail(`"alert.${badAlert}" is not an alert field (${ALERT_KEYS.join(', ')})`);
  const badExpect = Object.keys(expect).find((k) => !EXPECT_KEYS.includes(k));
  if (badExpect !== undefined)
    throw fail(`"expect.${badExpect}" is not an action (${EXPECT_KEYS.join(', ')})`);
  const severity = alert['severity'] ?? 'medium';
  if (!isAlertSeverity(severity))
    throw fail(`"alert.severity" is not a severity (${JSON.stringify(severity)})`);
  const device = asRecord(alert['device']) ?? {};
  const remote = asRecord(alert['remote']) ?? {};
  const input: PolicyInput = {
    rule: text(alert['rule']) ?? 'example-rule',
    title: text(alert['title']) ?? '',
    severity,
    tags: list(alert['tags']),
    sources: list(alert['sources']),
    count: typeof alert['count'] === 'number' ? alert['count'] : 1,
    status: text(alert['status']) ?? 'open',
    kind: text(alert['kind']) ?? 'alert',
    device: { name: text(device['name']), mac: text(device['mac']), vendor: text(device['vendor']) },
    remote: {
      addr: text(remote['addr']),
      country: text(remote['country']),
      asn: typeof remote['asn'] === 'number' ? remote['asn'] : null,
      asOrg: text(remote['as_org']),
      ptr: text(remote['ptr']),
    },
  };
  return { name, input, expect: readExpectation(expect, fail) };
}

function readExpectation(
  expect: Record<string, unknown>,
  fail: (problem: string) => YamoriError,
): PolicyExpectation {
  const out: PolicyExpectation = {};
  for (const key of ['routes', 'notify', 'digest'] as const) {
    if (expect[key] === undefined) continue;
    if (!Array.isArray(expect[key])) throw fail(`"expect.${key}" must be a list`);
    out[key] = list(expect[key]);
  }
  if (expect['severity'] !== undefined)
    out.severity = text(expect['severity']) ?? JSON.stringify(expect['severity']);
  if (expect['block'] !== undefined) out.block = expect['block'] === true;
  const suppress = expect['suppress'];
  if (typeof suppress === 'boolean') out.suppress = suppress;
  else if (typeof suppress === 'string') {
    const seconds = durationSeconds(suppress);
    if (seconds === null) throw fail('"expect.suppress" must be true, false or a duration such as 6h');
    out.suppress = seconds;
  } else if (suppress !== undefined)
    throw fail('"expect.suppress" must be true, false or a duration such as 6h');
  return out;
}

/** Runs every case against the policy. */
export function runPolicyTests(policy: RoutePolicy, file: PolicyTestFile): PolicyCaseResult[] {
  return file.cases.map((testCase) => {
    const started = performance.now();
    const decision = policy.decide(testCase.input);
    const failure = diffDecision(testCase.expect, decision);
    return {
      ruleId: basename(file.path),
      caseName: testCase.name,
      passed: failure.length === 0,
      failure,
      durationMs: performance.now() - started,
    };
  });
}

/** The chosen actions in the test file's terms. */
export function decisionAsExpectation(decision: PolicyDecision): Required<PolicyExpectation> {
  return {
    routes: decision.routes,
    notify: decision.notify,
    digest: decision.digests.map((d) => d.channel),
    severity: decision.severity,
    suppress: decision.suppress === 'always' ? true : (decision.suppress ?? false),
    block: decision.block,
  };
}

function diffDecision(expect: PolicyExpectation, decision: PolicyDecision): string[] {
  const actual = decisionAsExpectation(decision);
  const lines: string[] = [];
  for (const key of EXPECT_KEYS as (keyof PolicyExpectation)[]) {
    if (expect[key] === undefined) continue;
    const want = JSON.stringify(expect[key]);
    const got = JSON.stringify(actual[key]);
    if (want !== got) lines.push(`${key}:`, `  - expected ${want}`, `  + chosen   ${got}`);
  }
  for (const error of decision.errors)
    lines.push(`route "${error.route}" failed to evaluate: ${error.message}`);
  return lines;
}

function durationSeconds(textValue: string): number | null {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(textValue.trim());
  if (!match) return null;
  return Number(match[1]) * { s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

function invalid(path: string, name: string, problem: string): YamoriError {
  return new YamoriError('POLICY_TESTS_INVALID', { path, name, problem });
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}
