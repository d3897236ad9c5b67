import { describe, expect, it } from 'vitest';
import { addressBytes } from './address-bytes.js';

describe('addressBytes', () => {
  const cases: [string, number[] | null][] = [
    ['192.168.1.10', [192, 168, 1, 10]],
    ['0.0.0.0', [0, 0, 0, 0]],
    ['::', new Array<number>(16).fill(0)],
    ['::1', [...new Array<number>(15).fill(0), 1]],
    ['fe80::1', [0xfe, 0x80, ...new Array<number>(13).fill(0), 1]],
    ['2001:db8::', [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(12).fill(0)]],
    [
      'FE80:0001:0203:0405:0607:0809:0A0B:0C0D',
      [0xfe, 0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xb, 0xc, 0xd],
    ],
    ['::ffff:1.2.3.4', [...new Array<number>(10).fill(0), 0xff, 0xff, 1, 2, 3, 4]],
    ['fe80::1%eth0', [0xfe, 0x80, ...new Array<number>(13).fill(0), 1]],
    ['256.1.1.1', null],
    ['1.2.3', null],
    ['1.2.3.4.5', null],
    ['a.b.c.d', null],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['1:2:3:4::5:6:7:8', null],
    ['12345::', null],
    ['', null],
  ];
  for (const [text, bytes] of cases) {
    it(`reads "${text}" as ${bytes === null ? 'not an address' : 'its bytes'}`, () => {
      const got = addressBytes(text);
      expect(got === null ? null : [...got]).toEqual(bytes);
    });
  }
});
