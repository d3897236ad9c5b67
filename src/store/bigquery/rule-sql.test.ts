import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBigQueryRuleSql, RuleSqlShapeError } from './rule-sql.js';

describe('readBigQueryRuleSql', () => {
  it('finds parameters in order of first use and writes $name as @name, outside strings and comments', () => {
    const rule = readBigQueryRuleSql(
      `-- uses $not_a_parameter
SELECT '$nor_this', "@nor_that", r'$raw' AS x, \`$col\` FROM flows
WHERE ingested_at >= $window_start AND ingested_at < @window_end AND seen >= $window_start # $comment
/* @block */`,
    );
    expect(rule.parameters).toEqual([
      { name: 'window_start', spelling: '$' },
      { name: 'window_end', spelling: '@' },
    ]);
    expect(rule.body).toContain('ingested_at >= @window_start AND ingested_at < @window_end');
    expect(rule.body).toContain(`'$nor_this'`);
    expect(rule.body).toContain('-- uses $not_a_parameter');
    // The statement ends at its last token: the trailing comment is left out, the leading one kept.
    expect(rule.body.split('\n')).toHaveLength(3);
  });

  it('names relations without common table expressions, and table functions, from FROM and JOIN', () => {
    const rule = readBigQueryRuleSql(`
      WITH recent AS (SELECT * FROM flows), \`quoted\` AS (SELECT 1 AS one)
      SELECT EXTRACT(DAY FROM r.first_seen_at) AS day,
             ARRAY(SELECT l FROM UNNEST(SPLIT('a.b', '.')) AS l) AS labels,
             EXISTS (SELECT 1 FROM devices d WHERE d.mac = r.src_mac) AS known
      FROM recent r
      JOIN \`project.dataset.dns\` AS q ON q.client_addr = r.src_addr, quoted,
        settings s, UNNEST(GENERATE_ARRAY(1, 3)) AS n
      LEFT JOIN (SELECT * FROM indicator_match_periods) p ON TRUE
      WHERE r.id IN (SELECT id FROM flow_logs)`);
    expect(rule.relations).toEqual([
      'devices',
      'dns',
      'flow_logs',
      'flows',
      'indicator_match_periods',
      'settings',
    ]);
    expect(rule.tableFunctions).toEqual(['unnest']);
  });

  it('refuses an empty query and several statements', () => {
    expect(() => readBigQueryRuleSql('-- nothing\n')).toThrow(RuleSqlShapeError);
    expect(() => readBigQueryRuleSql('SELECT 1; SELECT 2')).toThrow(/2 statements/);
    expect(readBigQueryRuleSql('SELECT ";" AS semicolon;').body).toBe('SELECT ";" AS semicolon');
  });

  it('reads every built-in rule.bigquery.sql: the engine parameters, @-spelled, and known tables', () => {
    const root = join(import.meta.dirname, '../../../rules');
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name === 'rule.bigquery.sql') files.push(join(dir, entry.name));
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const rule = readBigQueryRuleSql(readFileSync(file, 'utf8'));
      expect(
        rule.parameters.map((p) => p.spelling),
        file,
      ).not.toContain('$');
      expect(rule.parameters.map((p) => p.name).slice(0, 2), file).toEqual(['window_start', 'window_end']);
      expect(rule.relations.length, file).toBeGreaterThan(0);
    }
  });
});
