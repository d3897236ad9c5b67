import { generateHomeNetworkCapture, writePcapFile } from '../capture/index.js';
import { formatCount, line } from './output.js';
import { parsePositiveInteger } from './parse-time.js';
import type { Register } from './run-cli.js';

export interface SampleOptions {
  minutes: number;
  seed: number;
  /** Start of the capture; by default it ends now, so "since 1h" finds it. */
  startUs: number;
}

/** Writes the synthetic home-network capture; returns the packet count. */
export async function writeSampleCapture(path: string, options: SampleOptions): Promise<number> {
  const packets = generateHomeNetworkCapture({
    startUs: options.startUs,
    durationS: options.minutes * 60,
    seed: options.seed,
  });
  return (await writePcapFile(path, packets)).packets;
}

export const registerSampleCommand: Register = (program, context) => {
  const sample = program.command('sample').description("Yamori's own sample data");
  sample
    .command('pcap')
    .description('write a synthetic capture of a small home network (phones, TV, camera, laptop)')
    .argument('<file>', 'the pcap file to write')
    .option('--minutes <n>', 'length of the capture in minutes', '10')
    .option('--seed <n>', 'seed for the generator (the same seed gives the same file)', '1')
    .action(async (file: string, options: { minutes: string; seed: string }) => {
      const ctx = context();
      const minutes = parsePositiveInteger('--minutes', options.minutes, 7 * 24 * 60);
      const count = await writeSampleCapture(file, {
        minutes,
        seed: parsePositiveInteger('--seed', options.seed),
        startUs: (ctx.now() - minutes * 60_000) * 1000,
      });
      if (!ctx.output.quiet) line(ctx.output.out, `wrote ${formatCount(count)} packets to ${file}`);
    });
};
