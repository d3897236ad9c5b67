import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowIndex } from './flow-index.js';

/** Every id the index holds under `hash`, walking from its home position to the first empty slot. */
function idsUnder(index: FlowIndex, hash: number): number[] {
  const ids: number[] = [];
  for (let at = index.start(hash), steps = 0; steps <= index.capacity; at = index.next(at), steps++) {
    const id = index.idAt(at);
    if (id < 0) break;
    if (index.hashAt(at) === hash) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}

/** Checks the index against the model: every held id reachable under its hash, nothing else, the size. */
function expectSameAs(index: FlowIndex, model: Map<number, number>): void {
  expect(index.size).toBe(model.size);
  const byHash = new Map<number, number[]>();
  for (const [id, hash] of model) byHash.set(hash, [...(byHash.get(hash) ?? []), id]);
  for (const [hash, ids] of byHash) expect(idsUnder(index, hash)).toEqual(ids.sort((a, b) => a - b));
  expect(index.size * 2).toBeLessThanOrEqual(index.capacity);
}

describe('FlowIndex', () => {
  it('finds every id after growing far past its initial capacity, and none after removal', () => {
    const index = new FlowIndex(16);
    const hashOf = (id: number): number => Math.imul(id, 0x9e3779b1);
    for (let id = 0; id < 5000; id++) index.insert(hashOf(id), id);
    expect(index.size).toBe(5000);
    expect(index.capacity).toBeGreaterThanOrEqual(10_000);
    for (let id = 0; id < 5000; id++) expect(idsUnder(index, hashOf(id))).toContain(id);
    for (let id = 0; id < 5000; id += 3) expect(index.remove(hashOf(id), id)).toBe(true);
    expect(index.size).toBe(5000 - 1667);
    for (let id = 0; id < 5000; id++) {
      expect(idsUnder(index, hashOf(id)).includes(id)).toBe(id % 3 !== 0);
    }
  });

  it('says so when asked to remove an id it does not hold, and changes nothing', () => {
    const index = new FlowIndex();
    index.insert(5, 1);
    expect(index.remove(5, 2)).toBe(false);
    expect(index.remove(6, 1)).toBe(false);
    expect(index.size).toBe(1);
    expect(idsUnder(index, 5)).toEqual([1]);
  });

  it('keeps ids with equal hashes and with hashes that share home positions apart', () => {
    const index = new FlowIndex(16);
    // 16 slots: hashes 3, 19 and 35 share home position 3; 4 is displaced by them.
    index.insert(3, 0);
    index.insert(19, 1);
    index.insert(3, 2);
    index.insert(4, 3);
    expect(idsUnder(index, 3)).toEqual([0, 2]);
    expect(idsUnder(index, 19)).toEqual([1]);
    expect(idsUnder(index, 4)).toEqual([3]);
    index.remove(3, 0);
    expect(idsUnder(index, 3)).toEqual([2]);
    expect(idsUnder(index, 19)).toEqual([1]);
    expect(idsUnder(index, 4)).toEqual([3]);
  });

  it('agrees with a map under any sequence of inserts and removals, with colliding and wrapping hashes', () => {
    // Few distinct hashes near the end of the table force long runs that wrap around to slot 0.
    const hash = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(13, 14, 15, 29, 30, 31, -1, -2));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), hash }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const index = new FlowIndex(16);
        const model = new Map<number, number>();
        let nextId = 0;
        for (const o of ops) {
          if (o.kind === 'insert') {
            index.insert(o.hash, nextId);
            model.set(nextId++, o.hash);
          } else if (model.size > 0) {
            const ids = [...model.keys()];
            const id = ids[o.pick % ids.length]!;
            expect(index.remove(model.get(id)!, id)).toBe(true);
            model.delete(id);
          }
          expectSameAs(index, model);
        }
      }),
      { numRuns: 300 },
    );
  });
});
