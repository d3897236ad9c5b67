import { describe, expect, it } from 'vitest';
import { alertTitleColumns } from '../records/index.js';
import { renderTitle } from './render-title.js';

describe('renderTitle', () => {
  const cases: { description: string; template: string; row: Record<string, unknown>; expected: string }[] = [
    {
      description: 'fills columns',
      template: '{device_name} contacted {remote_addr}',
      row: { device_name: 'tv', remote_addr: '203.0.113.9' },
      expected: 'tv contacted 203.0.113.9',
    },
    {
      description: 'joins lists',
      template: 'listed by {sources}',
      row: { sources: ['feodo', 'threatfox'] },
      expected: 'listed by feodo, threatfox',
    },
    {
      description: 'shows a missing or null value as ?',
      template: '{a} and {b}',
      row: { a: null },
      expected: '? and ?',
    },
    {
      description: 'keeps doubled braces as literal braces',
      template: '{{x}} {n}',
      row: { n: 3 },
      expected: '{x} 3',
    },
    { description: 'writes objects as JSON', template: '{o}', row: { o: { k: 1 } }, expected: '{"k":1}' },
    {
      description: 'leaves text that is not a placeholder alone',
      template: '{Not} {a-b}',
      row: {},
      expected: '{Not} {a-b}',
    },
  ];
  for (const { description, template, row, expected } of cases) {
    it(description, () => {
      expect(renderTitle(template, row)).toBe(expected);
    });
  }
});

describe('alertTitleColumns', () => {
  it('names each placeholder once, in order, ignoring doubled braces', () => {
    expect(alertTitleColumns('{a} {b} {a} {{c}} {Not}')).toEqual(['a', 'b']);
  });
});
