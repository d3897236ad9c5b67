import { readFile } from 'node:fs/promises';
import type { ParsedAddress } from './special-addresses.js';

export interface AsnEntry {
  asn: number;
  /** The organisation that holds the AS; null when the data names none. */
  org: string | null;
}

/** Address ranges to autonomous systems, searched by binary search over sorted range starts. */
export interface AsnTable {
  lookup(address: ParsedAddress): AsnEntry | null;
  /** Ranges loaded, IPv4 and IPv6 together. */
  readonly ranges: number;
}

export interface AsnTableFiles {
  /** CSV rows "start,end,asn,org" with numeric IPv4 bounds (ip-location-db's asn-ipv4-num.csv). */
  ipv4: string;
  /** The same with numeric IPv6 bounds (asn-ipv6-num.csv). */
  ipv6: string;
}

interface Ranges<T> {
  starts: T[] | Float64Array;
  ends: T[] | Float64Array;
  asns: Uint32Array;
  orgs: Int32Array;
}

/** Reads both CSV files (about 32 MB; a second or so) into compact sorted arrays. */
export async function loadAsnTable(files: AsnTableFiles): Promise<AsnTable> {
  const [v4Text, v6Text] = await Promise.all([readFile(files.ipv4, 'utf8'), readFile(files.ipv6, 'utf8')]);
  const orgNames: string[] = [];
  const orgIds = new Map<string, number>();
  const v4 = parseRanges(v4Text, (text) => Number(text), orgNames, orgIds, files.ipv4);
  const v6 = parseRanges(v6Text, (text) => BigInt(text), orgNames, orgIds, files.ipv6);
  const entry = <T>(ranges: Ranges<T>, i: number): AsnEntry => {
    const org = ranges.orgs[i]!;
    return { asn: ranges.asns[i]!, org: org < 0 ? null : orgNames[org]! };
  };
  return {
    ranges: v4.asns.length + v6.asns.length,
    lookup(address) {
      if (address.version === 4) {
        const i = search(v4, Number(address.value));
        return i === -1 ? null : entry(v4, i);
      }
      const i = search(v6, address.value);
      return i === -1 ? null : entry(v6, i);
    },
  };
}

/** The index of the range holding `value`: the last start at or below it, if its end reaches it. */
function search<T extends number | bigint>(ranges: Ranges<T>, value: T): number {
  let low = 0;
  let high = ranges.asns.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (ranges.starts[middle]! <= value) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found !== -1 && ranges.ends[found]! >= value ? found : -1;
}

function parseRanges<T extends number | bigint>(
  text: string,
  parseBound: (text: string) => T,
  orgNames: string[],
  orgIds: Map<string, number>,
  file: string,
): Ranges<T> {
  const starts: T[] = [];
  const ends: T[] = [];
  const asns: number[] = [];
  const orgs: number[] = [];
  let sorted = true;
  let lineStart = 0;
  let lineNumber = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    lineStart = lineEnd + 1;
    lineNumber++;
    if (line === '') continue;
    const first = line.indexOf(',');
    const second = line.indexOf(',', first + 1);
    const third = line.indexOf(',', second + 1);
    const asn = Number(line.slice(second + 1, third));
    if (first === -1 || second === -1 || third === -1 || !Number.isInteger(asn)) {
      throw new Error(`${file} line ${lineNumber}: expected start,end,asn,org`);
    }
    let org = line.slice(third + 1);
    if (org.startsWith('"') && org.endsWith('"')) org = org.slice(1, -1).replace(/""/g, '"');
    let orgId = -1;
    if (org !== '') {
      orgId = orgIds.get(org) ?? orgNames.length;
      if (orgId === orgNames.length) {
        orgIds.set(org, orgId);
        // A copy, so the name does not keep the whole file's text alive (V8 slices share it).
        orgNames.push(Buffer.from(org, 'utf8').toString('utf8'));
      }
    }
    const start = parseBound(line.slice(0, first));
    if (starts.length > 0 && start < starts[starts.length - 1]!) sorted = false;
    starts.push(start);
    ends.push(parseBound(line.slice(first + 1, second)));
    asns.push(asn);
    orgs.push(orgId);
  }
  const order = starts.map((_, i) => i);
  if (!sorted) order.sort((a, b) => (starts[a]! < starts[b]! ? -1 : starts[a]! > starts[b]! ? 1 : 0));
  const pick = <V>(values: V[]): V[] => (sorted ? values : order.map((i) => values[i]!));
  const isBig = typeof starts[0] === 'bigint';
  return {
    starts: isBig ? pick(starts) : Float64Array.from(pick(starts) as number[]),
    ends: isBig ? pick(ends) : Float64Array.from(pick(ends) as number[]),
    asns: Uint32Array.from(pick(asns)),
    orgs: Int32Array.from(pick(orgs)),
  };
}
