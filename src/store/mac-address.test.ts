import { describe, expect, it } from 'vitest';
import { isRandomisedMac, normaliseMac } from './mac-address.js';

describe('normaliseMac', () => {
  const cases: { input: string; expected: string | null }[] = [
    { input: 'aa:bb:cc:dd:ee:ff', expected: 'aa:bb:cc:dd:ee:ff' },
    { input: 'AA:BB:CC:DD:EE:FF', expected: 'aa:bb:cc:dd:ee:ff' },
    { input: 'AA-BB-CC-DD-EE-01', expected: 'aa:bb:cc:dd:ee:01' },
    { input: 'aabbccddee02', expected: 'aa:bb:cc:dd:ee:02' },
    { input: 'aa:bb-cc:dd:ee:ff', expected: null },
    { input: 'aa:bb:cc:dd:ee', expected: null },
    { input: 'aa:bb:cc:dd:ee:ff:00', expected: null },
    { input: 'gg:bb:cc:dd:ee:ff', expected: null },
    { input: '192.168.1.20', expected: null },
    { input: '', expected: null },
  ];
  for (const { input, expected } of cases) {
    it(`turns ${JSON.stringify(input)} into ${JSON.stringify(expected)}`, () => {
      expect(normaliseMac(input)).toBe(expected);
    });
  }
});

describe('isRandomisedMac', () => {
  const cases: { mac: string; expected: boolean }[] = [
    { mac: '3c:22:fb:00:00:01', expected: false },
    { mac: 'f4:f5:d8:01:02:03', expected: false },
    { mac: 'da:a1:19:5e:00:01', expected: true },
    { mac: '02:00:00:00:00:00', expected: true },
    { mac: '01:00:5e:00:00:fb', expected: false },
    { mac: 'fe:ff:ff:ff:ff:ff', expected: true },
  ];
  for (const { mac, expected } of cases) {
    it(`says ${mac} is ${expected ? '' : 'not '}locally administered`, () => {
      expect(isRandomisedMac(mac)).toBe(expected);
    });
  }
});
