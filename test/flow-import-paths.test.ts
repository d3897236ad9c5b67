/**
 * The import path (frames read into reused batches, decoded in place, accounted by `addFrame`) and the
 * text path (packet objects, `decodePacket`, `add`) must agree record for record on every shared
 * capture: the text path is what the decoder and flow tests exercise most, the import path is what
 * users run.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCaptureFile } from '../src/capture/open-capture-file.js';
import { readCapture, readCaptureFrames } from '../src/capture/read-capture.js';
import { decodeFrame, decodePacket } from '../src/decode/decode-packet.js';
import { DecodedFrame } from '../src/decode/decoded-frame.js';
import { createFlowTable, type FlowTable } from '../src/flow/flow-table.js';
import { testConfig } from '../src/flow/testing.js';
import type { DeviceObservation, DnsRecord, FlowRecord } from '../src/records/index.js';

const pcaps = path.resolve(process.cwd(), '../shared/pcaps');

interface Output {
  flows: FlowRecord[];
  dns: DnsRecord[];
  devices: DeviceObservation[];
  stats: ReturnType<FlowTable['stats']>;
}

function recording(): { table: FlowTable; output: Omit<Output, 'stats'> } {
  const output = { flows: [] as FlowRecord[], dns: [] as DnsRecord[], devices: [] as DeviceObservation[] };
  let n = 0;
  const table = createFlowTable(testConfig({ maxFlows: 100_000 }), {
    onFlow: (f) => output.flows.push(f),
    onDns: (d) => output.dns.push(d),
    onDevice: (d) => output.devices.push(d),
    newId: () => `f${++n}`,
  });
  return { table, output };
}

async function viaFrames(file: string): Promise<Output> {
  const { table, output } = recording();
  const frame = new DecodedFrame();
  for await (const batch of readCaptureFrames(openCaptureFile(file), { sourceName: file })) {
    for (let i = 0; i < batch.count; i++) {
      const start = batch.starts[i]!;
      decodeFrame(frame, batch.linkTypes[i]!, batch.buffers[i]!, start, start + batch.lengths[i]!);
      frame.timestampUs = batch.timestampsUs[i]!;
      table.addFrame(frame, batch.interfaceNames[i] ?? null);
    }
  }
  table.flush('shutdown');
  return { ...output, stats: table.stats() };
}

async function viaText(file: string): Promise<Output> {
  const { table, output } = recording();
  for await (const batch of readCapture(openCaptureFile(file), { sourceName: file })) {
    for (const p of batch) table.add(p.timestampUs, decodePacket(p.linkType, p.data), p.interfaceName);
  }
  table.flush('shutdown');
  return { ...output, stats: table.stats() };
}

function captures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(pcap|pcapng|pcap\.gz)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

describe.skipIf(!existsSync(pcaps))(
  existsSync(pcaps)
    ? 'the import path and the text path on the shared captures'
    : 'the import path and the text path on the shared captures (skipped: ../shared/pcaps is absent)',
  () => {
    const files = existsSync(pcaps) ? captures(pcaps) : [];

    it('finds the shared captures', () => {
      expect(files.length).toBeGreaterThan(20);
    });

    it.each(files.map((file) => [path.relative(pcaps, file), file]))(
      'give the same flows, DNS answers, device observations and counts for %s',
      async (_name, file) => {
        const [frames, text] = await Promise.all([viaFrames(file), viaText(file)]);
        expect(frames).toEqual(text);
      },
    );
  },
);
