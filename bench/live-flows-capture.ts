/**
 * A capture in which a million (or `flows`) TCP connections are all open at once: each is a SYN and a
 * SYN-ACK, none is ever closed, and all start within a few seconds, so no idle timeout fires and a
 * flow tool must hold every one of them in memory until the end of the file.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { buildFrame } from '../src/capture/sample/frame-builder.js';
import { writePcapFile, type TimedFrame } from '../src/capture/sample/pcap-writer.js';

const CAPTURE_FORMAT = 1;
const START_US = Date.UTC(2024, 4, 14, 19, 0, 0) * 1000;
/** Flows start this far apart: a million in four seconds. */
const SPACING_US = 4;
/** The SYN-ACK of a flow comes this many SYNs after its SYN (a 1 ms round trip at 4 µs spacing). */
const ANSWER_LAG = 250;
/** Clients per /24, and the ports each uses: 250 × 4000 = a million distinct 5-tuples per server port. */
const CLIENTS = 250;
const FIRST_CLIENT_PORT = 20_000;
const SERVERS = 200;
const CLIENT_MAC = '02:00:00:00:00:01';
const ROUTER_MAC = '02:00:00:00:00:fe';

export interface LiveFlowsManifest {
  format: number;
  flows: number;
  packets: number;
  bytes: number;
}

export async function ensureLiveFlowsCapture(
  path: string,
  flows: number,
): Promise<{ manifest: LiveFlowsManifest; reused: boolean }> {
  const manifestPath = `${path}.json`;
  if (existsSync(manifestPath) && existsSync(path)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as LiveFlowsManifest;
    if (
      manifest.format === CAPTURE_FORMAT &&
      manifest.flows === flows &&
      statSync(path).size === manifest.bytes
    ) {
      return { manifest, reused: true };
    }
  }
  const written = await writePcapFile(path, openFlows(flows));
  const manifest = { format: CAPTURE_FORMAT, flows, packets: written.packets, bytes: statSync(path).size };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, reused: false };
}

function* openFlows(flows: number): Generator<TimedFrame> {
  for (let step = 0; step < flows + ANSWER_LAG; step++) {
    const timestampUs = START_US + step * SPACING_US;
    if (step < flows) yield { timestampUs, frame: handshakeFrame(step, false) };
    const answered = step - ANSWER_LAG;
    if (answered >= 0) yield { timestampUs: timestampUs + 1, frame: handshakeFrame(answered, true) };
  }
}

/** Flow i: client 10.x.y.z:port → 198.51.100.s:443; the SYN-ACK goes the other way. */
function handshakeFrame(flow: number, isAnswer: boolean): Buffer {
  const client = flow % CLIENTS;
  const group = Math.floor(flow / CLIENTS);
  const clientAddr = `10.${(group >> 12) & 0xff}.${client}.${1 + (group % 4)}`;
  const clientPort = FIRST_CLIENT_PORT + (group >> 2);
  const serverAddr = `198.51.100.${1 + (flow % SERVERS)}`;
  const clientSeq = (flow * 2654435761) >>> 0;
  const serverSeq = (flow * 40503 + 12345) >>> 0;
  return buildFrame({
    ethernet: {
      srcMac: isAnswer ? ROUTER_MAC : CLIENT_MAC,
      dstMac: isAnswer ? CLIENT_MAC : ROUTER_MAC,
    },
    ip: {
      version: 4,
      src: isAnswer ? serverAddr : clientAddr,
      dst: isAnswer ? clientAddr : serverAddr,
      ttl: isAnswer ? 53 : 64,
      id: flow & 0xffff,
    },
    transport: {
      protocol: 'tcp',
      srcPort: isAnswer ? 443 : clientPort,
      dstPort: isAnswer ? clientPort : 443,
      seq: isAnswer ? serverSeq : clientSeq,
      ack: isAnswer ? (clientSeq + 1) >>> 0 : 0,
      flags: isAnswer ? 0x12 : 0x02,
      window: isAnswer ? 65160 : 64240,
      options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'windowScale', shift: 7 }],
    },
  });
}
