import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvRecord, jsonKeys } from './csv-record.js';

/** The pieces writeJSON hands over, joined, with string() as JSON.stringify (the store's encoder tests its own). */
function written(record: CsvRecord): string {
  let json = '';
  const decoder = new TextDecoder();
  record.writeJSON({
    text: (piece) => (json += piece),
    utf8: (piece) => (json += decoder.decode(piece)),
    string: (value) => (json += JSON.stringify(value)),
  });
  return json;
}

describe('CsvRecord', () => {
  const cases: { description: string; header: string[]; fields: string[] }[] = [
    { description: 'plain fields', header: ['a', 'b'], fields: ['1', '2'] },
    {
      description: 'quotes, backslashes and control characters',
      header: ['a', 'b'],
      fields: ['"x"\\', '\n\u0001'],
    },
    { description: 'a lone surrogate', header: ['a'], fields: ['\ud800x'] },
    { description: 'fields past the header', header: ['a'], fields: ['1', '2', '3'] },
    { description: 'fewer fields than the header', header: ['a', 'b', 'c'], fields: ['1'] },
    { description: 'no fields', header: ['a'], fields: [] },
    { description: 'a repeated header name', header: ['a', 'a'], fields: ['1', '2'] },
    { description: 'a header name that is an array index', header: ['b', '0'], fields: ['1', '2'] },
    { description: 'a header named __proto__', header: ['__proto__', 'b'], fields: ['1', '2'] },
    { description: 'a header naming a field past it', header: ['_1'], fields: ['1', '2'] },
  ];
  it.each(cases)('writes exactly what JSON.stringify writes for $description', ({ header, fields }) => {
    const record = new CsvRecord(header, fields, jsonKeys(header));
    expect(written(record)).toBe(JSON.stringify(record));
  });

  it('writes exactly what JSON.stringify writes for any header and fields', () => {
    const name = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', '0', '1', '_1', 'a'));
    fc.assert(
      fc.property(
        fc.array(name, { maxLength: 6 }),
        fc.array(fc.string({ unit: 'binary', maxLength: 8 }), { maxLength: 8 }),
        (header, fields) => {
          const record = new CsvRecord(header, fields, jsonKeys(header));
          expect(written(record)).toBe(JSON.stringify(record));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
