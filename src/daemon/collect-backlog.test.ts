import { describe, expect, it } from 'vitest';
import { packFlows, unpackFlows, type FlowBatchSlice, type FlowRecord } from '../records/index.js';
import { buildFlow } from '../store/testing.js';
import { FlowBacklog } from './collect-backlog.js';

const flowsOf = (ports: number[]): FlowRecord[] => ports.map((srcPort) => buildFlow({ srcPort }));
const portsOf = (slices: readonly FlowBatchSlice[]): number[] => {
  const out: FlowRecord[] = [];
  for (const { batch, from, to } of slices) unpackFlows(batch, out, from, to);
  return out.map((flow) => flow.srcPort);
};

describe('FlowBacklog', () => {
  it('gives flows back first in, first out, splitting batches where a take ends inside one', () => {
    const backlog = new FlowBacklog();
    backlog.pushBatch(packFlows(flowsOf([1, 2, 3])));
    backlog.pushRecord(buildFlow({ srcPort: 4 }));
    backlog.pushRecord(buildFlow({ srcPort: 5 }));
    backlog.pushBatch(packFlows(flowsOf([6, 7, 8, 9])), 1, 3);
    expect(backlog.length).toBe(7);
    expect(portsOf(backlog.take(2))).toEqual([1, 2]);
    expect(portsOf(backlog.take(3))).toEqual([3, 4, 5]);
    expect(backlog.length).toBe(2);
    expect(portsOf(backlog.take(10))).toEqual([7, 8]);
    expect(backlog.length).toBe(0);
    expect(backlog.take(1)).toEqual([]);
  });

  it('puts a failed write back in front, in order, and packs loose records taken last', () => {
    const backlog = new FlowBacklog();
    backlog.pushBatch(packFlows(flowsOf([1, 2, 3, 4])));
    const taken = backlog.take(3);
    backlog.pushRecord(buildFlow({ srcPort: 5 }));
    backlog.putBack(taken);
    expect(backlog.length).toBe(5);
    expect(portsOf(backlog.take(5))).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps nothing of an empty range', () => {
    const backlog = new FlowBacklog();
    backlog.pushBatch(packFlows(flowsOf([1, 2])), 0, 0);
    expect(backlog.length).toBe(0);
    expect(backlog.take(5)).toEqual([]);
  });
});
