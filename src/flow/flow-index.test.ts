import { describe, expect, it } from 'vitest';
import { FlowIndex, isSrcFirstInKey } from './flow-index.js';
import { FlowState } from './flow-state.js';

function flowFor(index: FlowIndex, i: number): FlowState {
  const src = `10.0.${i >> 8}.${i & 255}`;
  const flow = new FlowState(
    17,
    4,
    src,
    '8.8.8.8',
    40000 + (i % 1000),
    53,
    false,
    isSrcFirstInKey(src, 40000 + (i % 1000), '8.8.8.8', 53, false),
    null,
    null,
    null,
    null,
    null,
    true,
    false,
    false,
    0,
  );
  flow.hash = index.hash(17, null, null, src, flow.srcPort, '8.8.8.8', 53);
  return flow;
}

function find(index: FlowIndex, flow: FlowState): FlowState | null {
  const [a, portA, b, portB] = flow.isKeySrcFirst
    ? [flow.srcAddr, flow.srcPort, flow.dstAddr, flow.dstPort]
    : [flow.dstAddr, flow.dstPort, flow.srcAddr, flow.srcPort];
  return index.find(
    index.hash(flow.ipProto, flow.vlan, flow.innerVlan, a, portA, b, portB),
    flow.ipProto,
    flow.vlan,
    flow.innerVlan,
    a,
    portA,
    b,
    portB,
    flow.isOneWay,
  );
}

describe('FlowIndex', () => {
  it('finds every flow after growing far past its initial capacity, and none after removal', () => {
    const index = new FlowIndex(12345, 16);
    const flows = Array.from({ length: 5000 }, (_, i) => flowFor(index, i));
    flows.forEach((f) => index.insert(f));
    expect(index.size).toBe(5000);
    expect(flows.every((f) => find(index, f) === f)).toBe(true);
    flows.filter((_, i) => i % 3 === 0).forEach((f) => index.remove(f));
    expect(index.size).toBe(5000 - 1667);
    expect(flows.every((f, i) => find(index, f) === (i % 3 === 0 ? null : f))).toBe(true);
  });

  it('ignores the removal of a flow it does not hold', () => {
    const index = new FlowIndex(1);
    index.insert(flowFor(index, 1));
    index.remove(flowFor(index, 2));
    expect(index.size).toBe(1);
  });

  it('tells apart tuples that differ only in protocol, VLAN or one-way-ness', () => {
    const index = new FlowIndex(7);
    const base = flowFor(index, 1);
    index.insert(base);
    const [a, pa, b, pb] = [base.srcAddr, base.srcPort, base.dstAddr, base.dstPort];
    const h = (proto: number, vlan: number | null) => index.hash(proto, vlan, null, a, pa, b, pb);
    expect(index.find(h(17, null), 17, null, null, a, pa, b, pb, false)).toBe(base);
    expect(index.find(h(6, null), 6, null, null, a, pa, b, pb, false)).toBeNull();
    expect(index.find(h(17, 5), 17, 5, null, a, pa, b, pb, false)).toBeNull();
    expect(index.find(h(17, null), 17, null, null, a, pa, b, pb, true)).toBeNull();
  });
});
