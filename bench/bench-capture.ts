/**
 * The large capture every tool reads: synthetic home traffic from generateBulkTraffic with replayed
 * real traces mixed in. Built once per (packets, seed, flows, replay share); a manifest beside the
 * file says what is in it, so a later run reuses the file when nothing changed.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { generateBulkTraffic } from '../src/capture/sample/bulk-traffic.js';
import { writePcapFile, type TimedFrame } from '../src/capture/sample/pcap-writer.js';
import { conversationKey } from './frame-transport.js';
import { loadReplayShapes, planReplays } from './replay-shapes.js';

/** Bump when the way the capture is made changes, so old files are rebuilt. */
const CAPTURE_FORMAT = 1;
const START_US = Date.UTC(2024, 4, 14, 18, 0, 0) * 1000;
const PACKETS_PER_SECOND = 20_000;

export interface BenchCaptureOptions {
  path: string;
  packets: number;
  seed: number;
  /** Flows in progress at once in the synthetic part. */
  concurrentFlows: number;
  /** Share of packets taken from replayed real traces (0 for none). */
  replayShare: number;
  /** Folder of real traces to replay. */
  replayDir: string;
}

export interface BenchCaptureManifest {
  format: number;
  packets: number;
  seed: number;
  concurrentFlows: number;
  replayShare: number;
  replayedPackets: number;
  replayShapes: number;
  /** Distinct conversations (protocol and both address:port ends) in the file. */
  conversations: number;
  bytes: number;
  durationS: number;
}

export async function ensureBenchCapture(
  options: BenchCaptureOptions,
): Promise<{ manifest: BenchCaptureManifest; reused: boolean; buildSeconds: number }> {
  const manifestPath = `${options.path}.json`;
  const existing = readManifest(manifestPath);
  if (existing && matches(existing, options) && fileSize(options.path) === existing.bytes) {
    return { manifest: existing, reused: true, buildSeconds: 0 };
  }
  const started = Date.now();
  const shapes = await loadReplayShapes(options.replayDir);
  const wantedReplay = shapes.length > 0 ? Math.round(options.packets * options.replayShare) : 0;
  const durationUs = Math.round((options.packets / PACKETS_PER_SECOND) * 1_000_000);
  const replays = planReplays(shapes, {
    packets: wantedReplay,
    startUs: START_US,
    endUs: START_US + durationUs,
    seed: options.seed + 1,
  });
  const bulk = generateBulkTraffic({
    packets: options.packets - replays.length,
    seed: options.seed,
    flows: options.concurrentFlows,
    startUs: START_US,
    packetsPerSecond: PACKETS_PER_SECOND,
  });
  const conversations = new Set<string>();
  let lastUs = START_US;
  const counted = function* (frames: Iterable<TimedFrame>): Generator<TimedFrame> {
    for (const frame of frames) {
      const key = conversationKey(frame.frame);
      if (key !== null) conversations.add(key);
      lastUs = frame.timestampUs;
      yield frame;
    }
  };
  const written = await writePcapFile(options.path, counted(mergeByTime(bulk, replays)));
  const manifest: BenchCaptureManifest = {
    format: CAPTURE_FORMAT,
    packets: written.packets,
    seed: options.seed,
    concurrentFlows: options.concurrentFlows,
    replayShare: options.replayShare,
    replayedPackets: replays.length,
    replayShapes: shapes.length,
    conversations: conversations.size,
    bytes: fileSize(options.path) ?? written.bytes,
    durationS: (lastUs - START_US) / 1_000_000,
  };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, reused: false, buildSeconds: (Date.now() - started) / 1000 };
}

/** Both inputs are in time order; so is the result. */
function* mergeByTime(bulk: Iterable<TimedFrame>, sorted: readonly TimedFrame[]): Generator<TimedFrame> {
  let next = 0;
  for (const packet of bulk) {
    while (next < sorted.length && sorted[next]!.timestampUs <= packet.timestampUs) yield sorted[next++]!;
    yield packet;
  }
  while (next < sorted.length) yield sorted[next++]!;
}

function matches(manifest: BenchCaptureManifest, options: BenchCaptureOptions): boolean {
  return (
    manifest.format === CAPTURE_FORMAT &&
    manifest.packets === options.packets &&
    manifest.seed === options.seed &&
    manifest.concurrentFlows === options.concurrentFlows &&
    manifest.replayShare === options.replayShare
  );
}

function readManifest(manifestPath: string): BenchCaptureManifest | null {
  if (!existsSync(manifestPath)) return null;
  try {
    return JSON.parse(readFileSync(manifestPath, 'utf8')) as BenchCaptureManifest;
  } catch {
    return null;
  }
}

function fileSize(file: string): number | null {
  return existsSync(file) ? statSync(file).size : null;
}
