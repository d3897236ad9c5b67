import { describe, expect, it } from 'vitest';
import { parentDomains } from './indicator-lookup.js';

describe('parentDomains', () => {
  const cases: { name: string; expected: string[] }[] = [
    { name: 'a.b.example.com', expected: ['a.b.example.com', 'b.example.com', 'example.com', 'com'] },
    { name: 'Example.COM.', expected: ['example.com', 'com'] },
    { name: 'localhost', expected: ['localhost'] },
  ];
  for (const { name, expected } of cases) {
    it(`lists ${name} and each parent, lowercase and without a final dot`, () => {
      expect(parentDomains(name)).toEqual(expected);
    });
  }
});
