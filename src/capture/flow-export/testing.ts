/**
 * Builders for NetFlow v5, NetFlow v9, IPFIX and sFlow v5 datagrams, for tests here and in flow/ and
 * daemon/. They write exactly what a test asks for, including what no exporter should send (a
 * template with more fields than bytes, a record cut short), so each hostile case is one call. Not shipped.
 */
import { parseIpv4, parseIpv6, parseMac } from '../sample/frame-builder.js';

/** A field value: a number (written big-endian in the field's length), an address or MAC as text, or raw bytes. */
export type FieldValue = number | string | Uint8Array;

export interface FieldSpec {
  id: number;
  /** 65535 for an IPFIX variable-length field. */
  length: number;
  enterprise?: number;
}

export type SetSpec =
  | { kind: 'templates'; templates: { id: number; fields: FieldSpec[] }[] }
  | { kind: 'options-templates'; templates: { id: number; scope: FieldSpec[]; fields: FieldSpec[] }[] }
  /** IPFIX withdrawal: template records with no fields; `options` sends them in an options template set. */
  | { kind: 'withdraw'; ids: number[]; options?: boolean }
  | { kind: 'data'; templateId: number; fields: FieldSpec[]; records: FieldValue[][] }
  /** A set with any id and body, for hostile cases. */
  | { kind: 'raw'; setId: number; body: Uint8Array; length?: number };

export function u8(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function uint(value: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return out;
}

function u16(value: number): Uint8Array {
  return uint(value, 2);
}

function u32(value: number): Uint8Array {
  return uint(value, 4);
}

function encodeValue(value: FieldValue, length: number): Uint8Array {
  if (value instanceof Uint8Array) {
    if (length !== 65535) return value;
    return value.length < 255
      ? concat([u8(value.length), value])
      : concat([u8(255), u16(value.length), value]);
  }
  if (typeof value === 'string') {
    if (value.includes(':') && value.split(':').length === 6 && length === 6) return parseMac(value);
    return value.includes(':') ? parseIpv6(value) : parseIpv4(value);
  }
  return uint(value, length);
}

function fieldSpecs(fields: FieldSpec[], isIpfix: boolean): Uint8Array {
  return concat(
    fields.map((field) =>
      isIpfix && field.enterprise !== undefined
        ? concat([u16(field.id | 0x8000), u16(field.length), u32(field.enterprise)])
        : concat([u16(field.id), u16(field.length)]),
    ),
  );
}

function setBytes(setId: number, body: Uint8Array, length = body.length + 4): Uint8Array {
  return concat([u16(setId), u16(length), body]);
}

function encodeSet(set: SetSpec, isIpfix: boolean): Uint8Array {
  switch (set.kind) {
    case 'templates':
      return setBytes(
        isIpfix ? 2 : 0,
        concat(
          set.templates.map((t) => concat([u16(t.id), u16(t.fields.length), fieldSpecs(t.fields, isIpfix)])),
        ),
      );
    case 'options-templates':
      return setBytes(
        isIpfix ? 3 : 1,
        concat(
          set.templates.map((t) =>
            isIpfix
              ? concat([
                  u16(t.id),
                  u16(t.scope.length + t.fields.length),
                  u16(t.scope.length),
                  fieldSpecs([...t.scope, ...t.fields], true),
                ])
              : concat([
                  u16(t.id),
                  u16(t.scope.length * 4),
                  u16(t.fields.length * 4),
                  fieldSpecs([...t.scope, ...t.fields], false),
                ]),
          ),
        ),
      );
    case 'withdraw':
      return setBytes(set.options ? 3 : 2, concat(set.ids.map((id) => concat([u16(id), u16(0)]))));
    case 'data':
      return setBytes(
        set.templateId,
        concat(
          set.records.map((record) =>
            concat(record.map((value, i) => encodeValue(value, set.fields[i]?.length ?? 4))),
          ),
        ),
      );
    case 'raw':
      return setBytes(set.setId, set.body, set.length);
  }
}

export function encodeIpfix(message: {
  exportTimeS: number;
  domainId?: number;
  sequence?: number;
  sets: SetSpec[];
  /** Overrides the header's length field. */
  length?: number;
}): Uint8Array {
  const body = concat(message.sets.map((set) => encodeSet(set, true)));
  return concat([
    u16(10),
    u16(message.length ?? body.length + 16),
    u32(message.exportTimeS),
    u32(message.sequence ?? 0),
    u32(message.domainId ?? 0),
    body,
  ]);
}

export function encodeNetflowV9(message: {
  sysUptimeMs: number;
  unixSecs: number;
  sourceId?: number;
  sequence?: number;
  sets: SetSpec[];
}): Uint8Array {
  const body = concat(message.sets.map((set) => encodeSet(set, false)));
  return concat([
    u16(9),
    u16(message.sets.length),
    u32(message.sysUptimeMs),
    u32(message.unixSecs),
    u32(message.sequence ?? 0),
    u32(message.sourceId ?? 0),
    body,
  ]);
}

export interface V5Record {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  protocol: number;
  packets: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
  tcpFlags?: number;
  input?: number;
  output?: number;
}

export function encodeNetflowV5(message: {
  sysUptimeMs: number;
  unixSecs: number;
  unixNsecs?: number;
  /** The header's sampling field: mode in the top 2 bits, interval in the low 14. */
  sampling?: number;
  records: V5Record[];
  /** Overrides the header's record count. */
  count?: number;
}): Uint8Array {
  const records = message.records.map((r) =>
    concat([
      parseIpv4(r.src),
      parseIpv4(r.dst),
      u32(0),
      u16(r.input ?? 0),
      u16(r.output ?? 0),
      u32(r.packets),
      u32(r.bytes),
      u32(r.firstMs),
      u32(r.lastMs),
      u16(r.srcPort),
      u16(r.dstPort),
      u8(0, r.tcpFlags ?? 0, r.protocol, 0),
      u32(0),
      u8(0, 0, 0, 0),
    ]),
  );
  return concat([
    u16(5),
    u16(message.count ?? message.records.length),
    u32(message.sysUptimeMs),
    u32(message.unixSecs),
    u32(message.unixNsecs ?? 0),
    u32(0),
    u8(0, 0),
    u16(message.sampling ?? 0),
    ...records,
  ]);
}

export type SflowFlowRecord =
  | { kind: 'raw-header'; protocol: number; frame: Uint8Array }
  | {
      kind: 'sampled-ipv4';
      length: number;
      protocol: number;
      src: string;
      dst: string;
      srcPort: number;
      dstPort: number;
      tcpFlags: number;
    };

export type SflowSample =
  | {
      kind: 'flow';
      expanded?: boolean;
      samplingRate: number;
      input?: number;
      output?: number;
      records: SflowFlowRecord[];
    }
  | { kind: 'counters' };

function pad4(bytes: Uint8Array): Uint8Array {
  const padding = (4 - (bytes.length % 4)) % 4;
  return padding === 0 ? bytes : concat([bytes, new Uint8Array(padding)]);
}

function encodeFlowRecord(record: SflowFlowRecord): Uint8Array {
  const body =
    record.kind === 'raw-header'
      ? concat([
          u32(record.protocol),
          u32(record.frame.length + 4),
          u32(4),
          u32(record.frame.length),
          pad4(record.frame),
        ])
      : concat([
          u32(record.length),
          u32(record.protocol),
          parseIpv4(record.src),
          parseIpv4(record.dst),
          u32(record.srcPort),
          u32(record.dstPort),
          u32(record.tcpFlags),
          u32(0),
        ]);
  return concat([u32(record.kind === 'raw-header' ? 1 : 3), u32(body.length), body]);
}

function encodeSample(sample: SflowSample, sequence: number): Uint8Array {
  if (sample.kind === 'counters') {
    const body = concat([u32(sequence), u32(1), u32(0)]);
    return concat([u32(2), u32(body.length), body]);
  }
  const records = concat(sample.records.map(encodeFlowRecord));
  const body = sample.expanded
    ? concat([
        u32(sequence),
        u32(0),
        u32(1),
        u32(sample.samplingRate),
        u32(sequence * sample.samplingRate),
        u32(0),
        u32(0),
        u32(sample.input ?? 0),
        u32(0),
        u32(sample.output ?? 0),
        u32(sample.records.length),
        records,
      ])
    : concat([
        u32(sequence),
        u32(1),
        u32(sample.samplingRate),
        u32(sequence * sample.samplingRate),
        u32(0),
        u32(sample.input ?? 0),
        u32(sample.output ?? 0),
        u32(sample.records.length),
        records,
      ]);
  return concat([u32(sample.expanded ? 3 : 1), u32(body.length), body]);
}

export function encodeSflowV5(datagram: {
  agent: string;
  samples: SflowSample[];
  uptimeMs?: number;
}): Uint8Array {
  const isV6 = datagram.agent.includes(':');
  return concat([
    u32(5),
    u32(isV6 ? 2 : 1),
    isV6 ? parseIpv6(datagram.agent) : parseIpv4(datagram.agent),
    u32(0),
    u32(1),
    u32(datagram.uptimeMs ?? 0),
    u32(datagram.samples.length),
    ...datagram.samples.map((sample, i) => encodeSample(sample, i + 1)),
  ]);
}

/** The IPFIX elements of a typical IPv4 flow template, in order, with their lengths. */
export const IPV4_FLOW_FIELDS: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 7, length: 2 },
  { id: 11, length: 2 },
  { id: 4, length: 1 },
  { id: 6, length: 1 },
  { id: 2, length: 4 },
  { id: 1, length: 4 },
  { id: 152, length: 8 },
  { id: 153, length: 8 },
];
