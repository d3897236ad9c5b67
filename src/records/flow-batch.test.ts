import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from './index.js';
import { buildFlow, FLOW_OPTIONALS_NULL, TEST_EPOCH } from '../store/testing.js';
import {
  packFlows,
  TextAt,
  textField,
  textFieldIs,
  transferablesOf,
  unpackFlows,
  type FlowBatch,
} from './flow-batch.js';

/** Packs, posts through a real channel with the buffers transferred, and unpacks on the other side. */
function roundTrip(flows: FlowRecord[]): FlowRecord[] {
  const { port1, port2 } = new MessageChannel();
  const batch = packFlows(flows);
  port1.postMessage(batch, transferablesOf(batch));
  const received = receiveMessageOnPort(port2)?.message as FlowBatch;
  port1.close();
  const out: FlowRecord[] = [];
  unpackFlows(received, out);
  return out;
}

describe('packFlows and unpackFlows', () => {
  it('give back every field of every record, in order, through a message port', () => {
    const flows = [
      buildFlow(),
      buildFlow({
        protocol: 'icmp6',
        ipProto: 58,
        ipVersion: 6,
        srcAddr: '2001:db8::20',
        dstAddr: '2001:db8:ffff::1',
        srcPort: 128,
        dstPort: 0,
        vlan: 10,
        innerVlan: 4094,
        srcTcpFlags: 0x02,
        dstTcpFlags: 0x12,
        samplingRate: 512,
        countsEstimated: true,
        ja3: 'e7d705a3286e19ea42f587b344ee6865',
        tlsCertSha1: '3b2fa8e3c9a7b1d35cf9a0e44b56d03c36a3d1c9',
        interface: null,
        srcMac: null,
        dstMac: null,
        serverName: null,
        dnsName: null,
        ja4: null,
        tlsVersion: null,
        alpn: null,
      }),
      // Empty and non-ASCII text, counts past 2^32, sampling stated as unsampled.
      buildFlow({
        serverName: 'bücher.example',
        dnsName: '',
        srcBytes: 2 ** 40 + 3,
        lastSeenAt: TEST_EPOCH + 86_400_000_000,
        samplingRate: 1,
        countsEstimated: false,
      }),
    ];
    const back = roundTrip(flows);
    expect(back).toStrictEqual(flows);
  });

  it('leaves out samplingRate and countsEstimated where the record left them out', () => {
    const [back] = roundTrip([buildFlow()]);
    expect(back).not.toHaveProperty('samplingRate');
    expect(back).not.toHaveProperty('countsEstimated');
  });

  it('appends to what the list already holds, and packs an empty list to nothing', () => {
    const first = buildFlow({ srcPort: 1 });
    const into = [first];
    unpackFlows(packFlows([buildFlow({ srcPort: 2 }), buildFlow({ srcPort: 3 })]), into);
    expect(into.map((flow) => flow.srcPort)).toEqual([1, 2, 3]);
    expect(into[0]).toBe(first);
    const empty = packFlows([]);
    expect(empty).toMatchObject({ count: 0, text: '' });
    unpackFlows(empty, into);
    expect(into).toHaveLength(3);
  });

  it('reads each text field of any row, and unpacks a range of rows, however many fields before it are null', () => {
    const flows = [
      buildFlow({ srcPort: 1, ...FLOW_OPTIONALS_NULL }),
      buildFlow({ srcPort: 2, sensor: 'ünï', ja3: '' }),
      buildFlow({ srcPort: 3, ...FLOW_OPTIONALS_NULL, interface: 'eth1' }),
      buildFlow({ srcPort: 4 }),
    ];
    const batch = packFlows(flows);
    flows.forEach((flow, row) => {
      for (const [field, at] of Object.entries(TextAt)) {
        const value = flow[field as keyof typeof TextAt];
        expect(textField(batch, row, at)).toBe(value);
        if (value !== null) expect(textFieldIs(batch, row, at, value)).toBe(true);
        expect(textFieldIs(batch, row, at, `${value ?? ''}x`)).toBe(false);
      }
    });
    const middle: FlowRecord[] = [];
    unpackFlows(batch, middle, 1, 3);
    expect(middle).toStrictEqual(flows.slice(1, 3));
  });
});
