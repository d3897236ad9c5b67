import { describe, expect, it } from 'vitest';
import type { PacketSummary } from '../decode/index.js';
import { FlowState } from './flow-state.js';
import { FRAGMENT_TIMEOUT_US, createFragmentMap } from './fragment-map.js';
import { packet } from './testing.js';

const flow = new FlowState(
  17,
  4,
  '10.0.0.1',
  '10.0.0.2',
  1,
  2,
  false,
  true,
  null,
  null,
  null,
  null,
  null,
  true,
  true,
  false,
  0,
);

function fragment(id: number): PacketSummary {
  const decoded = packet({
    srcAddr: '10.0.0.1',
    dstAddr: '10.0.0.2',
    ipProto: 17,
    isFragment: true,
    fragmentId: id,
  });
  if (decoded.kind !== 'ip') throw new Error('not ip');
  return decoded.packet;
}

describe('createFragmentMap', () => {
  it('finds the flow of a datagram until the reassembly timeout', () => {
    const map = createFragmentMap();
    map.remember(fragment(1), flow, true, 0);
    expect(map.find(fragment(1), FRAGMENT_TIMEOUT_US)?.flow).toBe(flow);
    expect(map.find(fragment(1), FRAGMENT_TIMEOUT_US + 1)).toBeNull();
    expect(map.find(fragment(2), 0)).toBeNull();
  });

  it('drops the oldest datagram past its size cap, and expired ones on expire()', () => {
    const map = createFragmentMap(2);
    map.remember(fragment(1), flow, true, 0);
    map.remember(fragment(2), flow, true, 10);
    map.remember(fragment(3), flow, true, 20);
    expect(map.size).toBe(2);
    expect(map.find(fragment(1), 20)).toBeNull();
    map.expire(FRAGMENT_TIMEOUT_US + 15);
    expect(map.size).toBe(1);
    map.clear();
    expect(map.size).toBe(0);
  });
});
