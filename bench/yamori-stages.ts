/**
 * Runs the first stages of `yamori import pcap` on a file, without the database, and prints how long
 * they took as JSON: `read` (capture parsing), `decode` (read + decodeFrame), `flow` (read + decode +
 * flow table, records made and dropped). The difference to the full import is the store's share.
 * Besides wall `seconds` it prints `cpuSeconds` (user + system of the process, steadier on a busy
 * machine) and, for `flow`, `flushSeconds`: the part spent emitting the flows still open at the end.
 * Each stage runs the import's own code: frame batches (`readCaptureFrames`), frames decoded in place,
 * `PacketIngest` feeding the table.
 *
 * Usage: node --import tsx bench/yamori-stages.ts <read|decode|flow> <file> [config.yaml]
 */
import { performance } from 'node:perf_hooks';
import { openCaptureFile } from '../src/capture/open-capture-file.js';
import { readCaptureFrames } from '../src/capture/read-capture.js';
import { loadConfig } from '../src/config/load-config.js';
import { decodeFrame } from '../src/decode/decode-packet.js';
import { DecodedFrame } from '../src/decode/decoded-frame.js';
import { PacketIngest } from '../src/daemon/packet-ingest.js';
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
    onDns: () => undefined,
    onDevice: () => undefined,
  });
  const ingest = new PacketIngest(table);
  const frame = new DecodedFrame();
  let packets = 0;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for await (const batch of readCaptureFrames(openCaptureFile(file), { sourceName: file })) {
    packets += batch.count;
    if (stage === 'flow') {
      ingest.frames(batch);
    } else if (stage === 'decode') {
      for (let i = 0; i < batch.count; i++) {
        const start = batch.starts[i]!;
        decodeFrame(frame, batch.linkTypes[i]!, batch.buffers[i]!, start, start + batch.lengths[i]!);
      }
    }
  }
  const flushStarted = performance.now();
  if (stage === 'flow') table.flush('shutdown');
  const ended = performance.now();
  const cpu = process.cpuUsage(cpuStarted);
  const line = {
    stage,
    packets,
    flows,
    seconds: (ended - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    flushSeconds: (ended - flushStarted) / 1000,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const [stage, file, configPath] = process.argv.slice(2);
if (!STAGES.includes(stage as Stage) || file === undefined) {
  process.stderr.write('usage: yamori-stages.ts <read|decode|flow> <file> [config.yaml]\n');
  process.exit(2);
}
await runStages(stage as Stage, file, configPath ?? null);
