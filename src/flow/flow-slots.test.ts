import { describe, expect, it } from 'vitest';
import { F_SRC_BYTES, FlowSlots, I_PORTS, PAGE_SIZE, f64Base, i32Base, macBase } from './flow-slots.js';

describe('FlowSlots', () => {
  it('hands out ids in order, adding pages as they fill, and reuses released ids first', () => {
    const slots = new FlowSlots();
    const ids = Array.from({ length: PAGE_SIZE + 3 }, () => slots.allocate());
    expect(ids.slice(0, 3)).toEqual([0, 1, 2]);
    expect(ids.at(-1)).toBe(PAGE_SIZE + 2);
    expect(slots.pages).toHaveLength(2);
    slots.release(5);
    slots.release(9);
    expect(slots.allocate()).toBe(9);
    expect(slots.allocate()).toBe(5);
    expect(slots.allocate()).toBe(PAGE_SIZE + 3);
  });

  it('gives a reused id a zeroed record and a new serial, and a released id serial 0', () => {
    const slots = new FlowSlots();
    const id = slots.allocate();
    const page = slots.page(id);
    page.f64[f64Base(id) + F_SRC_BYTES] = 1234;
    page.i32[i32Base(id) + I_PORTS] = 99;
    page.macs[macBase(id) + 11] = 7;
    const first = slots.serial(id);
    slots.release(id);
    expect(slots.serial(id)).toBe(0);
    expect(slots.allocate()).toBe(id);
    expect(slots.serial(id)).not.toBe(first);
    expect(slots.serial(id)).not.toBe(0);
    expect(page.f64[f64Base(id) + F_SRC_BYTES]).toBe(0);
    expect(page.i32[i32Base(id) + I_PORTS]).toBe(0);
    expect(page.macs[macBase(id) + 11]).toBe(0);
  });

  it('keeps records of neighbouring ids apart', () => {
    const slots = new FlowSlots();
    const [a, b] = [slots.allocate(), slots.allocate()];
    const recordInts = i32Base(b) - i32Base(a);
    slots.page(a).i32.fill(-1, i32Base(a), i32Base(a) + recordInts);
    expect(
      slots
        .page(b)
        .i32.subarray(i32Base(b), i32Base(b) + recordInts)
        .every((v) => v === 0),
    ).toBe(true);
    expect(f64Base(b) - f64Base(a)).toBe(recordInts / 2);
  });

  it('lets an emptied page go only when asked, and makes it again, zeroed, when one of its ids is reused', () => {
    const slots = new FlowSlots();
    const ids = Array.from({ length: PAGE_SIZE + 2 }, () => slots.allocate());
    const last = ids.at(-1)!;
    slots.page(last).i32[i32Base(last) + I_PORTS] = 99;
    // A live id keeps its page.
    slots.release(ids[0]!);
    expect(slots.dropIfEmpty(ids[0]!)).toBe(false);
    expect(slots.pages[0]).not.toBeNull();
    slots.release(PAGE_SIZE);
    slots.release(last);
    expect(slots.pages[1]).not.toBeNull();
    expect(slots.dropIfEmpty(last)).toBe(true);
    expect(slots.pages[1]).toBeNull();
    expect(slots.dropIfEmpty(last)).toBe(false);
    // Page 0 still has live ids and is untouched.
    expect(slots.page(ids[1]!).i32[i32Base(ids[1]!) + I_PORTS]).toBe(0);
    // Ids of the dropped page come back off the free list on a fresh page.
    expect(slots.allocate()).toBe(last);
    expect(slots.pages[1]).not.toBeNull();
    expect(slots.page(last).i32[i32Base(last) + I_PORTS]).toBe(0);
    expect(slots.serial(last)).not.toBe(0);
    expect(slots.allocate()).toBe(PAGE_SIZE);
    expect(slots.allocate()).toBe(ids[0]);
    expect(slots.allocate()).toBe(PAGE_SIZE + 2);
  });
});
