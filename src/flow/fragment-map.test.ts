import { describe, expect, it } from 'vitest';
import { FRAGMENT_TIMEOUT_US, createFragmentMap, fragmentKey } from './fragment-map.js';

function fragment(id: number): string {
  return fragmentKey('10.0.0.1', '10.0.0.2', 17, id);
}

describe('createFragmentMap', () => {
  it('finds the flow of a datagram until the reassembly timeout', () => {
    const map = createFragmentMap();
    map.remember(fragment(1), 42, 7, true, 0);
    expect(map.find(fragment(1), FRAGMENT_TIMEOUT_US)).toEqual({
      flowId: 42,
      serial: 7,
      fromSrc: true,
      expiresUs: FRAGMENT_TIMEOUT_US,
    });
    expect(map.find(fragment(1), FRAGMENT_TIMEOUT_US + 1)).toBeNull();
    expect(map.find(fragment(2), 0)).toBeNull();
  });

  it('keeps datagrams apart by addresses, protocol and fragment id', () => {
    const map = createFragmentMap();
    map.remember(fragmentKey('10.0.0.1', '10.0.0.2', 17, 1), 1, 1, true, 0);
    expect(map.find(fragmentKey('10.0.0.2', '10.0.0.1', 17, 1), 0)).toBeNull();
    expect(map.find(fragmentKey('10.0.0.1', '10.0.0.2', 6, 1), 0)).toBeNull();
    expect(map.find(fragmentKey('10.0.0.1', '10.0.0.2', 17, 1), 0)?.flowId).toBe(1);
  });

  it('drops the oldest datagram past its size cap, and expired ones on expire()', () => {
    const map = createFragmentMap(2);
    map.remember(fragment(1), 1, 1, true, 0);
    map.remember(fragment(2), 1, 1, true, 10);
    map.remember(fragment(3), 1, 1, true, 20);
    expect(map.size).toBe(2);
    expect(map.find(fragment(1), 20)).toBeNull();
    map.expire(FRAGMENT_TIMEOUT_US + 15);
    expect(map.size).toBe(1);
    map.clear();
    expect(map.size).toBe(0);
  });
});
