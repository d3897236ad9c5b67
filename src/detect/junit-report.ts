import type { CaseResult } from './run-rule-tests.js';

/** A collection check as a JUnit test case: passed when `problems` is empty. */
export interface CheckResult {
  name: string;
  problems: string[];
}

/**
 * JUnit XML as CI systems read it: one suite for the collection checks, one suite per rule with a
 * test case per rule test case; a failure carries the diff or the error.
 */
export function junitReport(checks: readonly CheckResult[], cases: readonly CaseResult[]): string {
  const suites: string[] = [];
  const checkFailures = checks.filter((check) => check.problems.length > 0).length;
  suites.push(
    suite(
      'rules collection checks',
      checks.length,
      checkFailures,
      0,
      checks.map((check) => testCase('collection', check.name, 0, check.problems)),
    ),
  );
  const byRule = new Map<string, CaseResult[]>();
  for (const result of cases) byRule.set(result.ruleId, [...(byRule.get(result.ruleId) ?? []), result]);
  for (const [ruleId, results] of byRule) {
    const seconds = results.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
    suites.push(
      suite(
        ruleId,
        results.length,
        results.filter((r) => !r.passed).length,
        seconds,
        results.map((r) => testCase(ruleId, caseLabel(r), r.durationMs / 1000, r.failure)),
      ),
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="yamori rules test">\n${suites.join('')}</testsuites>\n`;
}

/** A case run on BigQuery is named for it, so both engines' results of one case stay apart. */
function caseLabel(result: CaseResult): string {
  return result.engine === 'bigquery' ? `${result.caseName} [bigquery]` : result.caseName;
}

function suite(name: string, tests: number, failures: number, seconds: number, cases: string[]): string {
  return `  <testsuite name="${escape(name)}" tests="${tests}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">\n${cases.join('')}  </testsuite>\n`;
}

function testCase(classname: string, name: string, seconds: number, failure: readonly string[]): string {
  const open = `    <testcase classname="${escape(classname)}" name="${escape(name)}" time="${seconds.toFixed(3)}"`;
  if (failure.length === 0) return `${open}/>\n`;
  const first = failure[0]?.trim() ?? 'failed';
  return `${open}>\n      <failure message="${escape(first)}">${escape(failure.join('\n'))}</failure>\n    </testcase>\n`;
}

function escape(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // XML 1.0 allows no control characters other than tab, newline and carriage return.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}
