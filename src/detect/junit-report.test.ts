import { describe, expect, it } from 'vitest';
import { junitReport } from './junit-report.js';

describe('junitReport', () => {
  it('writes one suite for the collection checks and one per rule, failures with their text escaped', () => {
    const xml = junitReport(
      [
        { name: 'rules/a', problems: [] },
        { name: 'rules/b', problems: ['RULE_SQL_INVALID: uses "x" < y & z'] },
      ],
      [
        { ruleId: 'a', caseName: 'fires', passed: true, failure: [], durationMs: 12 },
        {
          ruleId: 'a',
          caseName: 'quiet <no rows>',
          passed: false,
          failure: ['  expected 0 rows, got 1', '  + { a: "\u0001" }'],
          durationMs: 8,
        },
      ],
    );
    expect(xml).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="yamori rules test">
  <testsuite name="rules collection checks" tests="2" failures="1" errors="0" time="0.000">
    <testcase classname="collection" name="rules/a" time="0.000"/>
    <testcase classname="collection" name="rules/b" time="0.000">
      <failure message="RULE_SQL_INVALID: uses &quot;x&quot; &lt; y &amp; z">RULE_SQL_INVALID: uses &quot;x&quot; &lt; y &amp; z</failure>
    </testcase>
  </testsuite>
  <testsuite name="a" tests="2" failures="1" errors="0" time="0.020">
    <testcase classname="a" name="fires" time="0.012"/>
    <testcase classname="a" name="quiet &lt;no rows&gt;" time="0.008">
      <failure message="expected 0 rows, got 1">  expected 0 rows, got 1
  + { a: &quot;&quot; }</failure>
    </testcase>
  </testsuite>
</testsuites>
`);
  });
});
