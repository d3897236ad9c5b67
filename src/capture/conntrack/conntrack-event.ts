/** One direction's tuple and counters, as conntrack prints them (`src= dst= sport= dport= packets= bytes=`). */
export interface ConntrackTuple {
  src: string;
  dst: string;
  /** TCP/UDP/SCTP ports; for ICMP/ICMPv6 the message type and code. 0 where the protocol has none. */
  sport: number;
  dport: number;
  /** Null when accounting (net.netfilter.nf_conntrack_acct) is off. */
  packets: number | null;
  bytes: number | null;
}

/**
 * One event of `conntrack -E -o timestamp,extended,id`: a connection the kernel started tracking
 * (`new`) or stopped tracking (`destroy`, with the final counters).
 */
export interface ConntrackEvent {
  type: 'new' | 'destroy';
  /** When conntrack received the event, microseconds since the epoch (its `-o timestamp`); NaN without it. */
  seenAt: number;
  ipVersion: 4 | 6;
  ipProto: number;
  /** As the home device sent it: before source NAT. */
  original: ConntrackTuple;
  /** As the answer came back: after destination NAT, so it names the host that really answered. */
  reply: ConntrackTuple;
  /** TCP state (ESTABLISHED, TIME_WAIT, CLOSE, …) or SCTP/DCCP state; null for other protocols. */
  state: string | null;
  /** Seconds left before the entry would expire; null when it expired (the field is then left out). */
  remainingTimeoutS: number | null;
  isUnreplied: boolean;
  isAssured: boolean;
  /** Entries offloaded to a flowtable (software or hardware): their counters can miss packets. */
  isOffloaded: boolean;
  /** Age in whole seconds at the event (needs net.netfilter.nf_conntrack_timestamp=1); null otherwise. */
  deltaTimeS: number | null;
  /** The entry's id, the same in its NEW and DESTROY events; null when not printed (no `-o id`). */
  id: string | null;
  /** Destroyed by a user (conntrack -D, -F) rather than by the kernel's timeout or a RST. */
  isUserspace: boolean;
}

const TUPLE_KEYS = new Set(['src', 'dst', 'sport', 'dport', 'type', 'code', 'packets', 'bytes']);

const emptyTuple = (): ConntrackTuple => ({
  src: '',
  dst: '',
  sport: 0,
  dport: 0,
  packets: null,
  bytes: null,
});

/**
 * Parses one line of `conntrack -E -o timestamp,extended,id` output:
 *
 *   [1795887317.214269]	[DESTROY] ipv4     2 tcp      6 116 TIME_WAIT src=… dst=… sport=… dport=…
 *   packets=5 bytes=271 src=… dst=… sport=… dport=… packets=5 bytes=273 [ASSURED] delta-time=3 id=…
 *
 * (one line). The first `src=` opens the original tuple and the second the reply tuple; ICMP tuples
 * carry `type= code= id=`, so the entry's own `id=` is the one after the reply tuple. Returns null for
 * lines that are not events (conntrack's closing summary), and the reason as text for a line that
 * looks like an event but is not one.
 */
export function parseConntrackLine(line: string): ConntrackEvent | string | null {
  const tokens = line.trim().split(/\s+/);
  let at = 0;
  let seenAt = Number.NaN;
  const stamp = /^\[(\d+)\.(\d{1,6})\]$/.exec(tokens[0] ?? '');
  if (stamp !== null) {
    seenAt = Number(stamp[1]) * 1_000_000 + Number(stamp[2]!.padEnd(6, '0'));
    at++;
  }
  const kind = tokens[at];
  if (kind !== '[NEW]' && kind !== '[DESTROY]')
    return kind?.startsWith('[') === true ? 'an event type other than NEW or DESTROY' : null;
  at++;
  const family = tokens[at++];
  if (family !== 'ipv4' && family !== 'ipv6') return `"${family}" is not ipv4 or ipv6`;
  at++; // The family's number (2 or 10).
  at++; // The protocol's name.
  const ipProto = Number(tokens[at++]);
  if (!Number.isInteger(ipProto) || ipProto < 0 || ipProto > 255) return 'the protocol number is missing';
  let remainingTimeoutS: number | null = null;
  if (/^\d+$/.test(tokens[at] ?? '')) remainingTimeoutS = Number(tokens[at++]);
  let state: string | null = null;
  if (/^[A-Z_]+$/.test(tokens[at] ?? '')) state = tokens[at++]!;

  const tuples = [emptyTuple(), emptyTuple()] as const;
  let tupleAt = -1;
  let isTupleOpen = false;
  let hasIcmpId = false;
  const event: ConntrackEvent = {
    type: kind === '[NEW]' ? 'new' : 'destroy',
    seenAt,
    ipVersion: family === 'ipv4' ? 4 : 6,
    ipProto,
    original: tuples[0],
    reply: tuples[1],
    state,
    remainingTimeoutS,
    isUnreplied: false,
    isAssured: false,
    isOffloaded: false,
    deltaTimeS: null,
    id: null,
    isUserspace: false,
  };
  for (; at < tokens.length; at++) {
    const token = tokens[at]!;
    const equals = token.indexOf('=');
    if (equals === -1 || token.startsWith('[')) {
      isTupleOpen = false;
      if (token === '[UNREPLIED]') event.isUnreplied = true;
      else if (token === '[ASSURED]') event.isAssured = true;
      else if (token === '[OFFLOAD]' || token === '[HW_OFFLOAD]') event.isOffloaded = true;
      else if (token === '[USERSPACE]') event.isUserspace = true;
      continue;
    }
    const key = token.slice(0, equals);
    const value = token.slice(equals + 1);
    if (key === 'src' && tupleAt < 1) {
      tupleAt++;
      isTupleOpen = true;
      hasIcmpId = false;
    }
    const tuple = tupleAt >= 0 ? tuples[tupleAt as 0 | 1] : null;
    if (isTupleOpen && tuple !== null && key === 'id' && !hasIcmpId && isIcmp(ipProto)) {
      hasIcmpId = true; // The ICMP echo identifier, part of the tuple.
      continue;
    }
    if (isTupleOpen && tuple !== null && TUPLE_KEYS.has(key)) {
      if (key === 'src') tuple.src = value;
      else if (key === 'dst') tuple.dst = value;
      else {
        const number = Number(value);
        if (!/^\d+$/.test(value)) return `${key}="${value}" is not a number`;
        if (key === 'sport' || key === 'type') tuple.sport = number;
        else if (key === 'dport' || key === 'code') tuple.dport = number;
        else if (key === 'packets') tuple.packets = number;
        else tuple.bytes = number;
      }
      continue;
    }
    isTupleOpen = false;
    if (key === 'id') event.id = value;
    else if (key === 'delta-time' && /^\d+$/.test(value)) event.deltaTimeS = Number(value);
  }
  if (
    tupleAt !== 1 ||
    tuples[0].src === '' ||
    tuples[0].dst === '' ||
    tuples[1].src === '' ||
    tuples[1].dst === ''
  ) {
    return 'an event without both an original and a reply tuple';
  }
  return event;
}

function isIcmp(ipProto: number): boolean {
  return ipProto === 1 || ipProto === 58;
}
