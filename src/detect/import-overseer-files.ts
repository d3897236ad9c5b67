import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Document, isMap, isSeq } from 'yaml';
import { YamoriError } from '../errors/index.js';
import { displayPath } from './load-rules.js';
import {
  convertOverseerFixture,
  OVERSEER_ARRIVAL,
  OVERSEER_NOW,
  readOverseerExpectation,
} from './import-overseer-fixture.js';
import type { OverseerHeaders } from './import-overseer-headers.js';

/** What an imported rule gets where the overseer format says nothing (README, "Coming from the original tools"). */
export const OVERSEER_DEFAULTS = { severity: 'medium', author: 'imported from overseer' } as const;

/** rule.yaml of an imported rule: the headers, and the importer's defaults for what they leave out. */
export function ruleYaml(
  id: string,
  headers: OverseerHeaders,
  tags: string[],
  dedup: string[],
  relations: string[],
  today: string,
  source: string,
): string {
  const title = headers.title.replace(/[{}]/g, (brace) => brace + brace);
  const rule: Record<string, unknown> = {
    id,
    title: headers.title,
    description: headers.description ?? headers.title,
    severity: OVERSEER_DEFAULTS.severity,
    status: headers.test === null ? 'experimental' : 'test',
    tags,
    dedup,
    alert_title: `${title}: ${dedup.map((column) => `{${column}}`).join(', ')}`,
    false_positives: ['none known (the overseer rule did not record any; add them after review)'],
    triage:
      'Imported from overseer without triage advice: read the evidence rows, then write here what to check first.',
    references: [],
    requires: { tables: relations },
    author: OVERSEER_DEFAULTS.author,
    created: today,
    ...(headers.limit === null ? {} : { limits: { max_results: headers.limit } }),
  };
  const doc = new Document(rule, { aliasDuplicateObjects: false });
  for (const key of ['tags', 'dedup', 'references']) flowStyle(doc.get(key));
  flowStyle(doc.get('requires'));
  flowStyle(doc.get('limits'));
  return [
    `# Imported from ${source}`,
    `# by "yamori rules import-overseer" on ${today}. Severity, status, dedup and the alert title are`,
    '# defaults the importer chose (README, "Coming from the original tools"): review them.',
    doc.toString({ lineWidth: 100, flowCollectionPadding: false }),
  ].join('\n');
}

function flowStyle(node: unknown): void {
  if (isMap(node) || isSeq(node)) node.flow = true;
  if (isMap(node)) for (const pair of node.items) flowStyle(pair.value);
}

/** A rule without an overseer test: one case that must stay quiet on an empty database, and a note. */
export function quietOnlyTests(source: string): string {
  return testFile(
    [
      `# ${source} had no test ("-- test: false").`,
      '# "yamori rules test" asks for a case that fires: add one with the rows that must make the rule',
      '# fire and the rows it must return.',
    ],
    [{ name: 'stays quiet on an empty database', given: {}, expect: [] }],
  );
}

export function fixtureTests(
  path: string,
  source: string,
  headers: OverseerHeaders,
  notes: string[],
): string {
  const test = headers.test!;
  const fixturePath = resolve(dirname(path), test.fixture);
  if (!existsSync(fixturePath)) {
    throw new YamoriError('OVERSEER_TEST_FILE_MISSING', {
      file: source,
      line: test.line,
      fixture: test.fixture,
      path: displayPath(fixturePath),
    });
  }
  const fixture = displayPath(fixturePath);
  const converted = convertOverseerFixture(fixture, readFileSync(fixturePath, 'utf8'), headers.query);
  notes.push(...converted.notes);
  const expectPath = join(dirname(fixturePath), `${basename(fixturePath, extname(fixturePath))}.expect.yaml`);
  if (!existsSync(expectPath)) {
    throw new YamoriError('OVERSEER_EXPECTATION_MISSING', {
      file: source,
      fixture: test.fixture,
      expectFile: displayPath(expectPath),
    });
  }
  const expect = readOverseerExpectation(displayPath(expectPath), readFileSync(expectPath, 'utf8'));
  const given = nonEmpty(converted.tables);
  const cases: Record<string, unknown>[] = [
    { name: `returns the expected rows on the overseer fixture ${basename(fixturePath)}`, given, expect },
  ];
  if (expect.length > 0) {
    // The fixture's feed rows without its flows, else an empty database: no flow, no finding.
    const withoutFlows =
      converted.tables.flows.length > 0 ? nonEmpty({ ...converted.tables, flows: [] }) : {};
    cases.push({
      name:
        Object.keys(withoutFlows).length > 0
          ? `stays quiet on the feed rows of ${basename(fixturePath)} without its flow_logs rows`
          : 'stays quiet on an empty database',
      given: withoutFlows,
      expect: [],
    });
  }
  return testFile(
    [
      '# Converted by "yamori rules import-overseer" from the overseer fixture',
      `# ${fixture}`,
      `# and the rows ${displayPath(expectPath)} expects.`,
      `# ${OVERSEER_NOW} became "now" (the case's clock). Every row arrives at ${OVERSEER_ARRIVAL}`,
      "# (ingested_at), so the rule's first window holds the whole table, as the overseer query saw it.",
      ...converted.notes.map((note) => `# ${note}.`),
    ],
    cases,
  );
}

function nonEmpty(tables: Record<string, unknown[]>): Record<string, unknown[]> {
  return Object.fromEntries(Object.entries(tables).filter(([, rows]) => rows.length > 0));
}

function testFile(comments: string[], cases: Record<string, unknown>[]): string {
  const doc = new Document({ cases }, { aliasDuplicateObjects: false });
  cases.forEach((testCase, index) => {
    for (const [table, rows] of Object.entries(testCase['given'] as Record<string, unknown[]>)) {
      rows.forEach((_, row) => flowStyle(doc.getIn(['cases', index, 'given', table, row], true)));
    }
    const expect = testCase['expect'] as unknown[];
    if (expect.length === 0) flowStyle(doc.getIn(['cases', index, 'expect'], true));
    expect.forEach((_, row) => flowStyle(doc.getIn(['cases', index, 'expect', row], true)));
    if (Object.keys(testCase['given'] as object).length === 0)
      flowStyle(doc.getIn(['cases', index, 'given'], true));
  });
  return [...comments, doc.toString({ lineWidth: 110, flowCollectionPadding: false })].join('\n');
}
