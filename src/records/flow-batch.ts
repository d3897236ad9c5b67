import type { FlowRecord } from './flow.js';

/**
 * Flow records packed for the trip from the collector's thread to the main thread. Structured
 * cloning costs some 5 µs a record either way, as an object or as arrays of values, more than
 * stitching the record did; packed, the numbers travel as one transferred Float64Array and every text
 * field as a span of one string (one copy for the batch), and unpacking costs a fraction of that.
 */
export interface FlowBatch {
  count: number;
  /** NUMBER_FIELDS values per record, row after row; NaN for null, UNDEFINED for a field left out. */
  numbers: Float64Array;
  /** Every text value of the batch, end to end. */
  text: string;
  /** TEXT_FIELDS ends into `text` per record, row after row; NULL_END for null. */
  textEnds: Int32Array;
}

// Each list names every field of its kind once; the `satisfies` checks below fail to compile when
// FlowRecord gains a field that neither list carries, so no field can be left behind silently.
const NUMBER_FIELDS = [
  'ipProto',
  'ipVersion',
  'srcPort',
  'dstPort',
  'firstSeenAt',
  'lastSeenAt',
  'srcBytes',
  'dstBytes',
  'srcPackets',
  'dstPackets',
  'srcPayloadBytes',
  'dstPayloadBytes',
  'vlan',
  'innerVlan',
  'srcTcpFlags',
  'dstTcpFlags',
  'samplingRate',
  'countsEstimated',
] as const satisfies readonly (keyof FlowRecord)[];
const TEXT_FIELDS = [
  'id',
  'protocol',
  'srcAddr',
  'dstAddr',
  'status',
  'endReason',
  'communityId',
  'sensor',
  'interface',
  'srcMac',
  'dstMac',
  'direction',
  'serverName',
  'dnsName',
  'ja3',
  'ja4',
  'tlsCertSha1',
  'tlsVersion',
  'alpn',
] as const satisfies readonly (keyof FlowRecord)[];
type Packed = (typeof NUMBER_FIELDS)[number] | (typeof TEXT_FIELDS)[number];
const everyFieldPacked: Record<Exclude<keyof FlowRecord, Packed>, never> = {};
void everyFieldPacked;

const N = NUMBER_FIELDS.length;
const T = TEXT_FIELDS.length;
/** Marks `samplingRate` or `countsEstimated` left out of the record (no count is negative). */
const UNDEFINED = -1;
const NULL_END = -1;

/** Packs `flows` (which it leaves as they are). */
export function packFlows(flows: readonly FlowRecord[]): FlowBatch {
  const count = flows.length;
  const numbers = new Float64Array(count * N);
  const textEnds = new Int32Array(count * T);
  let text = '';
  const putText = (value: string | null, at: number, end: number): number => {
    if (value === null) {
      textEnds[at] = NULL_END;
      return end;
    }
    text += value;
    textEnds[at] = end + value.length;
    return end + value.length;
  };
  let end = 0;
  for (let i = 0; i < count; i++) {
    const f = flows[i]!;
    const n = i * N;
    numbers[n] = f.ipProto;
    numbers[n + 1] = f.ipVersion;
    numbers[n + 2] = f.srcPort;
    numbers[n + 3] = f.dstPort;
    numbers[n + 4] = f.firstSeenAt;
    numbers[n + 5] = f.lastSeenAt;
    numbers[n + 6] = f.srcBytes;
    numbers[n + 7] = f.dstBytes;
    numbers[n + 8] = f.srcPackets;
    numbers[n + 9] = f.dstPackets;
    numbers[n + 10] = f.srcPayloadBytes;
    numbers[n + 11] = f.dstPayloadBytes;
    numbers[n + 12] = f.vlan ?? NaN;
    numbers[n + 13] = f.innerVlan ?? NaN;
    numbers[n + 14] = f.srcTcpFlags;
    numbers[n + 15] = f.dstTcpFlags;
    numbers[n + 16] = f.samplingRate ?? UNDEFINED;
    numbers[n + 17] = f.countsEstimated === undefined ? UNDEFINED : f.countsEstimated ? 1 : 0;
    const t = i * T;
    end = putText(f.id, t, end);
    end = putText(f.protocol, t + 1, end);
    end = putText(f.srcAddr, t + 2, end);
    end = putText(f.dstAddr, t + 3, end);
    end = putText(f.status, t + 4, end);
    end = putText(f.endReason, t + 5, end);
    end = putText(f.communityId, t + 6, end);
    end = putText(f.sensor, t + 7, end);
    end = putText(f.interface, t + 8, end);
    end = putText(f.srcMac, t + 9, end);
    end = putText(f.dstMac, t + 10, end);
    end = putText(f.direction, t + 11, end);
    end = putText(f.serverName, t + 12, end);
    end = putText(f.dnsName, t + 13, end);
    end = putText(f.ja3, t + 14, end);
    end = putText(f.ja4, t + 15, end);
    end = putText(f.tlsCertSha1, t + 16, end);
    end = putText(f.tlsVersion, t + 17, end);
    end = putText(f.alpn, t + 18, end);
  }
  return { count, numbers, text, textEnds };
}

/** The buffers of `batch` that postMessage may transfer rather than copy. */
export function transferablesOf(batch: FlowBatch): ArrayBuffer[] {
  return [batch.numbers.buffer as ArrayBuffer, batch.textEnds.buffer as ArrayBuffer];
}

/** Unpacks rows `from` … `to`-1 of a batch (all by default) into records equal to those packed, appending them to `into`. */
export function unpackFlows(batch: FlowBatch, into: FlowRecord[], from = 0, to = batch.count): void {
  const { numbers, text, textEnds } = batch;
  let start = rowTextStart(batch, from);
  const s = new Array<string | null>(T);
  for (let i = from; i < to; i++) {
    const t = i * T;
    for (let k = 0; k < T; k++) {
      const end = textEnds[t + k]!;
      if (end === NULL_END) {
        s[k] = null;
      } else {
        s[k] = text.slice(start, end);
        start = end;
      }
    }
    const n = i * N;
    const vlan = numbers[n + 12]!;
    const innerVlan = numbers[n + 13]!;
    const samplingRate = numbers[n + 16]!;
    const countsEstimated = numbers[n + 17]!;
    const flow = {
      id: s[0],
      protocol: s[1],
      ipProto: numbers[n],
      ipVersion: numbers[n + 1],
      srcAddr: s[2],
      dstAddr: s[3],
      srcPort: numbers[n + 2],
      dstPort: numbers[n + 3],
      firstSeenAt: numbers[n + 4],
      lastSeenAt: numbers[n + 5],
      srcBytes: numbers[n + 6],
      dstBytes: numbers[n + 7],
      srcPackets: numbers[n + 8],
      dstPackets: numbers[n + 9],
      srcPayloadBytes: numbers[n + 10],
      dstPayloadBytes: numbers[n + 11],
      status: s[4],
      endReason: s[5],
      communityId: s[6],
      sensor: s[7],
      interface: s[8],
      srcMac: s[9],
      dstMac: s[10],
      vlan: Number.isNaN(vlan) ? null : vlan,
      innerVlan: Number.isNaN(innerVlan) ? null : innerVlan,
      direction: s[11],
      serverName: s[12],
      dnsName: s[13],
      ja3: s[14],
      ja4: s[15],
      tlsCertSha1: s[16],
      tlsVersion: s[17],
      alpn: s[18],
      srcTcpFlags: numbers[n + 14],
      dstTcpFlags: numbers[n + 15],
    } as FlowRecord;
    if (samplingRate !== UNDEFINED) flow.samplingRate = samplingRate;
    if (countsEstimated !== UNDEFINED) flow.countsEstimated = countsEstimated === 1;
    into.push(flow);
  }
}

/** Rows `from` … `to`-1 of a batch: a part of it written or handed on alone. */
export interface FlowBatchSlice {
  batch: FlowBatch;
  from: number;
  to: number;
}

/** Numbers per row of `numbers`, and text fields per row of `textEnds`. */
export const FLOW_BATCH_NUMBERS = N;
export const FLOW_BATCH_TEXTS = T;
/** A `textEnds` entry for a null text. */
export const NULL_TEXT_END = NULL_END;
/** `samplingRate` and `countsEstimated` in `numbers` when the record left them out. */
export const UNDEFINED_NUMBER = UNDEFINED;

/**
 * Where the text of `row` starts in `batch.text`: the end of the previous row's last non-null text.
 * A row's `id` is never null, so this looks back at most one row's fields.
 */
export function rowTextStart(batch: FlowBatch, row: number): number {
  const { textEnds } = batch;
  for (let i = row * T - 1; i >= 0; i--) {
    const end = textEnds[i]!;
    if (end !== NULL_END) return end;
  }
  return 0;
}

/** The text field at `field` (TextAt) of `row`, or null. */
export function textField(batch: FlowBatch, row: number, field: number): string | null {
  const end = batch.textEnds[row * T + field]!;
  return end === NULL_END ? null : batch.text.slice(fieldStart(batch, row, field), end);
}

/** Whether the text field at `field` of `row` is `value`, without making a string of it. */
export function textFieldIs(batch: FlowBatch, row: number, field: number, value: string): boolean {
  const end = batch.textEnds[row * T + field]!;
  if (end === NULL_END) return false;
  const start = fieldStart(batch, row, field);
  return end - start === value.length && batch.text.startsWith(value, start);
}

/** Where the (non-null) text field at `field` of `row` starts: the end of the last non-null one before it. */
function fieldStart(batch: FlowBatch, row: number, field: number): number {
  const t = row * T;
  for (let k = field - 1; k >= 0; k--) {
    const before = batch.textEnds[t + k]!;
    if (before !== NULL_END) return before;
  }
  return rowTextStart(batch, row);
}

/** Where each text of a packed record sits in its row of `textEnds` (TEXT_FIELDS' order). */
export const TextAt = {
  id: 0,
  protocol: 1,
  srcAddr: 2,
  dstAddr: 3,
  status: 4,
  endReason: 5,
  communityId: 6,
  sensor: 7,
  interface: 8,
  srcMac: 9,
  dstMac: 10,
  direction: 11,
  serverName: 12,
  dnsName: 13,
  ja3: 14,
  ja4: 15,
  tlsCertSha1: 16,
  tlsVersion: 17,
  alpn: 18,
} as const satisfies Record<(typeof TEXT_FIELDS)[number], number>;

/** Where each number of a packed record sits in its row of `numbers` (NUMBER_FIELDS' order). */
export const NumberAt = {
  ipProto: 0,
  ipVersion: 1,
  srcPort: 2,
  dstPort: 3,
  firstSeenAt: 4,
  lastSeenAt: 5,
  srcBytes: 6,
  dstBytes: 7,
  srcPackets: 8,
  dstPackets: 9,
  srcPayloadBytes: 10,
  dstPayloadBytes: 11,
  vlan: 12,
  innerVlan: 13,
  srcTcpFlags: 14,
  dstTcpFlags: 15,
  samplingRate: 16,
  countsEstimated: 17,
} as const satisfies Record<(typeof NUMBER_FIELDS)[number], number>;

/**
 * Builds a FlowBatch row by row without FlowRecord objects (the decoder thread's stitcher writes
 * straight into it): `row()` starts a record and returns where its numbers go in `numbers` (offsets
 * NumberAt), then `text` takes the record's TEXT_FIELDS values, in that order, one call each.
 */
export class FlowBatchBuilder {
  count = 0;
  numbers = new Float64Array(1024 * N);
  private textEnds = new Int32Array(1024 * T);
  private parts: string[] = [];
  private textAt = 0;
  private end = 0;

  /** Starts a record; its numbers go at the returned index plus NumberAt's offsets. */
  row(): number {
    const at = this.count * N;
    if (at + N > this.numbers.length) {
      const numbers = new Float64Array(this.numbers.length * 2);
      numbers.set(this.numbers);
      this.numbers = numbers;
      const textEnds = new Int32Array(this.textEnds.length * 2);
      textEnds.set(this.textEnds);
      this.textEnds = textEnds;
    }
    this.count++;
    return at;
  }

  /** The record's next text field (null for NULL). */
  text(value: string | null): void {
    if (value === null) {
      this.textEnds[this.textAt++] = NULL_END;
      return;
    }
    this.parts.push(value);
    this.end += value.length;
    this.textEnds[this.textAt++] = this.end;
  }

  /** The records so far as a batch (its own buffers, transferable), and an empty builder again. */
  take(): FlowBatch {
    const batch: FlowBatch = {
      count: this.count,
      numbers: this.numbers.slice(0, this.count * N),
      text: this.parts.join(''),
      textEnds: this.textEnds.slice(0, this.count * T),
    };
    this.count = 0;
    this.parts = [];
    this.textAt = 0;
    this.end = 0;
    return batch;
  }
}
