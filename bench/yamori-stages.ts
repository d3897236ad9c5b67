/**
 * Runs the first stages of `yamori import pcap` on a file, without the database, and prints how long
 * they took as JSON: `read` (capture parsing), `decode` (read + decodePacket), `flow` (read + decode +
 * flow table). The difference to the full import is the store's share.
 *
 * Usage: node --import tsx bench/yamori-stages.ts <read|decode|flow> <file> [config.yaml]
 */
import { performance } from 'node:perf_hooks';
import { openCaptureFile } from '../src/capture/open-capture-file.js';
import { readCapture } from '../src/capture/read-capture.js';
import { loadConfig } from '../src/config/load-config.js';
import { decodePacket } from '../src/decode/decode-packet.js';
import { createFlowTable } from '../src/flow/flow-table.js';

const STAGES = ['read', 'decode', 'flow'] as const;
type Stage = (typeof STAGES)[number];

async function runStages(stage: Stage, file: string, configPath: string | null): Promise<void> {
  const config = loadConfig({ path: configPath });
  let flows = 0;
  const table = createFlowTable(config.flow, {
    onFlow: () => {
      flows++;
    },
  });
  const decode = stage !== 'read';
  const track = stage === 'flow';
  let packets = 0;
  let lastAdvanceUs = 0;
  const started = performance.now();
  for await (const batch of readCapture(openCaptureFile(file), { sourceName: file })) {
    packets += batch.length;
    if (!decode) continue;
    for (const packet of batch) {
      const decoded = decodePacket(packet.linkType, packet.data);
      if (!track) continue;
      table.add(packet.timestampUs, decoded, packet.interfaceName);
      // As the import pipeline does: timeouts about once a second of traffic.
      if (packet.timestampUs - lastAdvanceUs >= 1_000_000) {
        table.advance(packet.timestampUs);
        lastAdvanceUs = packet.timestampUs;
      }
    }
  }
  if (track) table.flush('shutdown');
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ stage, packets, flows, seconds })}\n`);
}

const [stage, file, configPath] = process.argv.slice(2);
if (!STAGES.includes(stage as Stage) || file === undefined) {
  process.stderr.write('usage: yamori-stages.ts <read|decode|flow> <file> [config.yaml]\n');
  process.exit(2);
}
await runStages(stage as Stage, file, configPath ?? null);
