/**
 * Real traffic shapes for the bench capture: the Ethernet packets of the third-party captures in
 * ../shared/pcaps (HTTP, TLS with extensions, DNS, IPv6, Q-in-Q, SCTP, ICMP, a connection with no SYN),
 * replayed many times into the synthetic traffic, each copy on its own ports so it is its own flows.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openCaptureFile } from '../src/capture/open-capture-file.js';
import { readCapture } from '../src/capture/read-capture.js';
import type { TimedFrame } from '../src/capture/sample/pcap-writer.js';
import { SeededRandom } from '../src/capture/sample/seeded-random.js';
import { shiftEphemeralPorts } from './frame-transport.js';

const LINKTYPE_ETHERNET = 1;
/** A trace that spans longer (some span hours) is squeezed into this much time, keeping its order. */
const MAX_SPAN_US = 5_000_000;

export interface ReplayShape {
  name: string;
  /** Offsets from the trace's first packet, already squeezed to at most MAX_SPAN_US. */
  packets: { offsetUs: number; frame: Uint8Array }[];
  spanUs: number;
}

/** Every pcap, pcapng and .pcap.gz under `dir` that has Ethernet packets; empty when `dir` is absent. */
export async function loadReplayShapes(dir: string): Promise<ReplayShape[]> {
  if (!existsSync(dir)) return [];
  const shapes: ReplayShape[] = [];
  for (const file of captureFiles(dir)) {
    const raw: TimedFrame[] = [];
    try {
      for await (const batch of readCapture(openCaptureFile(file), { sourceName: file })) {
        for (const packet of batch) {
          if (packet.linkType !== LINKTYPE_ETHERNET) continue;
          // The reader reuses its buffers: keep a copy.
          raw.push({ timestampUs: packet.timestampUs, frame: Uint8Array.from(packet.data) });
        }
      }
    } catch {
      // A damaged sample still gives the packets before the damage.
    }
    if (raw.length === 0) continue;
    const first = Math.min(...raw.map((packet) => packet.timestampUs));
    const last = Math.max(...raw.map((packet) => packet.timestampUs));
    const scale = last - first > MAX_SPAN_US ? MAX_SPAN_US / (last - first) : 1;
    shapes.push({
      name: path.relative(dir, file),
      packets: raw.map((packet) => ({
        offsetUs: Math.round((packet.timestampUs - first) * scale),
        frame: packet.frame,
      })),
      spanUs: Math.round((last - first) * scale),
    });
  }
  return shapes;
}

function captureFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(pcap|pcapng|pcap\.gz)$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

export interface ReplayPlan {
  /** At least this many packets (whole copies are replayed). */
  packets: number;
  startUs: number;
  endUs: number;
  seed: number;
}

/**
 * Copies of randomly chosen shapes at random start times within [startUs, endUs], sorted by time.
 * Copy k moves its unprivileged ports by a different amount, so copies do not merge into one flow.
 */
export function planReplays(shapes: readonly ReplayShape[], plan: ReplayPlan): TimedFrame[] {
  const out: TimedFrame[] = [];
  if (shapes.length === 0 || plan.packets <= 0) return out;
  const rng = new SeededRandom(plan.seed);
  for (let copy = 1; out.length < plan.packets; copy++) {
    const shape = rng.pick(shapes);
    const startUs =
      plan.startUs + Math.floor(rng.next() * Math.max(1, plan.endUs - plan.startUs - shape.spanUs));
    const shift = (copy * 7919) % 64512;
    for (const packet of shape.packets) {
      out.push({ timestampUs: startUs + packet.offsetUs, frame: shiftEphemeralPorts(packet.frame, shift) });
    }
  }
  return out.sort((a, b) => a.timestampUs - b.timestampUs);
}
