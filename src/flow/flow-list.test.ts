import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowLists } from './flow-list.js';

/** The ids on `list`, head first, walking the links. */
function walk(lists: FlowLists, list: number): number[] {
  const ids: number[] = [];
  for (let id = lists.head(list); id !== -1; id = lists.next(id)) ids.push(id);
  return ids;
}

describe('FlowLists', () => {
  it('keeps each list in the order of appends and moves, apart from the others', () => {
    const lists = new FlowLists(2);
    lists.append(0, 5);
    lists.append(0, 7);
    lists.append(1, 6);
    lists.append(0, 9);
    lists.moveToTail(0, 5);
    expect(walk(lists, 0)).toEqual([7, 9, 5]);
    expect(walk(lists, 1)).toEqual([6]);
    lists.remove(0, 9);
    expect(walk(lists, 0)).toEqual([7, 5]);
    expect([lists.size(0), lists.size(1)]).toEqual([2, 1]);
  });

  it('grows its links for ids far beyond its first capacity', () => {
    const lists = new FlowLists(1);
    lists.append(0, 100_000);
    lists.append(0, 3);
    expect(walk(lists, 0)).toEqual([100_000, 3]);
  });

  it('agrees with arrays under any sequence of appends, removals and moves', () => {
    const op = fc.record({
      kind: fc.constantFrom('append', 'remove', 'move'),
      list: fc.integer({ min: 0, max: 2 }),
      pick: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const lists = new FlowLists(3);
        const model: number[][] = [[], [], []];
        let nextId = 0;
        for (const o of ops) {
          const members = model[o.list]!;
          if (o.kind === 'append' || members.length === 0) {
            lists.append(o.list, nextId);
            members.push(nextId++);
          } else {
            const id = members[o.pick % members.length]!;
            members.splice(members.indexOf(id), 1);
            if (o.kind === 'remove') lists.remove(o.list, id);
            else {
              lists.moveToTail(o.list, id);
              members.push(id);
            }
          }
          for (let list = 0; list < 3; list++) {
            expect(walk(lists, list)).toEqual(model[list]);
            expect(lists.size(list)).toBe(model[list]!.length);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
