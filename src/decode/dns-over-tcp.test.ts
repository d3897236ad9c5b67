import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitDnsOverTcp } from './dns-over-tcp.js';

function framed(...messages: number[][]): number[] {
  return messages.flatMap((m) => [m.length >> 8, m.length & 0xff, ...m]);
}

const cases: [string, number[], number[][], number][] = [
  ['splits one whole message', framed([1, 2, 3]), [[1, 2, 3]], 5],
  ['splits several messages in one segment', framed([1], [2, 2], [3, 3, 3]), [[1], [2, 2], [3, 3, 3]], 12],
  ['leaves a message cut in its body for the next call', [...framed([1, 2]), 0, 5, 9, 9], [[1, 2]], 4],
  ['leaves a message cut in its length prefix for the next call', [...framed([7]), 0], [[7]], 3],
  ['takes nothing from an empty segment', [], [], 0],
  ['skips a zero length prefix', [0, 0, ...framed([4])], [[4]], 5],
  ['reads a length over 255', framed(new Array<number>(300).fill(1)), [new Array<number>(300).fill(1)], 302],
];

describe('splitDnsOverTcp', () => {
  it.each(cases)('%s', (_, stream, messages, consumed) => {
    const split = splitDnsOverTcp(Uint8Array.from(stream));
    expect(split.messages.map((m) => Array.from(m))).toEqual(messages);
    expect(split.consumed).toBe(consumed);
  });

  it('gives the same messages whether the stream arrives whole or in pieces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (messages, cuts) => {
          const stream = Uint8Array.from(framed(...messages.map((m) => Array.from(m))));
          const got: number[][] = [];
          let buffered = new Uint8Array(0);
          const points = [...cuts.map((c) => c % (stream.length + 1)), stream.length].sort((a, b) => a - b);
          let previous = 0;
          for (const point of points) {
            buffered = Uint8Array.from([...buffered, ...stream.subarray(previous, point)]);
            previous = point;
            const split = splitDnsOverTcp(buffered);
            got.push(...split.messages.map((m) => Array.from(m)));
            buffered = buffered.slice(split.consumed);
          }
          expect(got).toEqual(messages.map((m) => Array.from(m)));
          expect(buffered.length).toBe(0);
        },
      ),
    );
  });
});
