/**
 * Scripted conversations as a capture point on the home LAN sees them: one TCP connection with correct
 * sequence numbers, acknowledgements, options and timing, and single UDP or ICMP exchanges. A remote
 * host's frames carry the router's MAC. Time runs on a `Clock` that each call advances.
 */
import { TcpFlag } from '../../records/index.js';
import { buildFrame, type TcpOption } from './frame-builder.js';
import type { TimedFrame } from './pcap-writer.js';
import type { SeededRandom } from './seeded-random.js';

/** The current time of one scripted session, in microseconds since the epoch. */
export interface Clock {
  us: number;
}

/** How an operating system's TCP stack shapes its SYN and window. */
export interface TcpStack {
  mss: number;
  windowScale: number;
  /** Window field in the SYN (unscaled). */
  synWindow: number;
  /** Window field after the handshake (scaled by windowScale). */
  window: number;
  timestamps: boolean;
  /** SYN option order, as the OS writes it; `ts` marks where timestamps go when offered. */
  synOptionOrder: readonly ('mss' | 'nop' | 'ws' | 'sack' | 'ts' | 'eol')[];
}

export const TCP_STACKS = {
  linux: {
    mss: 1460,
    windowScale: 7,
    synWindow: 64240,
    window: 502,
    timestamps: true,
    synOptionOrder: ['mss', 'sack', 'ts', 'nop', 'ws'],
  },
  apple: {
    mss: 1460,
    windowScale: 6,
    synWindow: 65535,
    window: 2058,
    timestamps: true,
    synOptionOrder: ['mss', 'nop', 'ws', 'nop', 'nop', 'ts', 'sack', 'eol'],
  },
  windows: {
    mss: 1460,
    windowScale: 8,
    synWindow: 64240,
    window: 1026,
    timestamps: false,
    synOptionOrder: ['mss', 'nop', 'ws', 'nop', 'nop', 'sack'],
  },
} as const satisfies Record<string, TcpStack>;

/** One side of a conversation as frames on the LAN show it. */
export interface Peer {
  /** The MAC this side's frames carry on the LAN: the router's for a host beyond it. */
  mac: string;
  addr: string;
  port: number;
  /** TTL or hop limit as seen at the capture point. */
  ttl: number;
  stack: TcpStack;
}

export interface SendOptions {
  /** Time before the first segment leaves. */
  delayUs?: number;
  /** Whether the other side sends pure ACKs (off when its reply will carry the ACK). Default true. */
  acked?: boolean;
  /** Link rate for spacing segments; default 50 Mbit/s. */
  bitsPerSecond?: number;
}

interface Side {
  peer: Peer;
  seq: number;
  ipId: number;
  flowLabel: number;
  tsBase: number;
  lastTsSent: number;
}

/** Linux's SYN-ACK window, which the server side uses whatever the client is. */
const SERVER_SYN_WINDOW = 65160;

interface Pending extends TimedFrame {
  order: number;
}

/**
 * One TCP connection. `rttUs` is the round trip from the capture point to the server and back: tens of
 * milliseconds for a host on the Internet, well under one for a LAN host.
 */
export class TcpConversation {
  private readonly client: Side;
  private readonly server: Side;
  private timestamps = false;
  private mss = 1460;

  constructor(
    client: Peer,
    server: Peer,
    readonly clock: Clock,
    private readonly rng: SeededRandom,
    readonly rttUs: number,
  ) {
    const side = (peer: Peer): Side => ({
      peer,
      seq: rng.uint32(),
      ipId: rng.int(0, 0xffff),
      flowLabel: rng.int(0, 0xfffff),
      tsBase: rng.uint32(),
      lastTsSent: 0,
    });
    this.client = side(client);
    this.server = side(server);
  }

  /** SYN, SYN-ACK, ACK. */
  *open(): Generator<TimedFrame> {
    const { client, server } = this;
    this.timestamps = client.peer.stack.timestamps && server.peer.stack.timestamps;
    this.mss = Math.min(client.peer.stack.mss, server.peer.stack.mss) - (this.timestamps ? 12 : 0);
    const t0 = this.clock.us;
    const synAckAt = t0 + this.rttUs;
    yield this.segment(client, server, t0, TcpFlag.SYN, { options: this.synOptions(client) });
    client.seq += 1;
    yield this.segment(server, client, synAckAt, TcpFlag.SYN | TcpFlag.ACK, {
      window: SERVER_SYN_WINDOW,
      options: this.synOptions(server),
    });
    server.seq += 1;
    this.clock.us = synAckAt + this.jitter(60, 200);
    yield this.segment(client, server, this.clock.us, TcpFlag.ACK);
  }

  /** A SYN the server answers with RST (nothing listens on the port). */
  *refused(): Generator<TimedFrame> {
    const { client, server } = this;
    yield this.segment(client, server, this.clock.us, TcpFlag.SYN, { options: this.synOptions(client) });
    client.seq += 1;
    this.clock.us += this.rttUs;
    server.seq = 0;
    yield this.segment(server, client, this.clock.us, TcpFlag.RST | TcpFlag.ACK, {
      window: 0,
      options: null,
    });
  }

  /** A SYN nobody answers, retransmitted with exponential back-off as stacks do (1 s, 2 s, 4 s, …). */
  *unanswered(retransmissions: number): Generator<TimedFrame> {
    const { client, server } = this;
    const options = this.synOptions(client);
    let backoffUs = 1_000_000;
    for (let attempt = 0; attempt <= retransmissions; attempt++) {
      if (attempt > 0) {
        this.clock.us += backoffUs;
        backoffUs *= 2;
      }
      yield this.segment(client, server, this.clock.us, TcpFlag.SYN, { options });
    }
  }

  clientSends(data: Uint8Array, options: SendOptions = {}): Generator<TimedFrame> {
    return this.send(this.client, this.server, data, options);
  }

  serverSends(data: Uint8Array, options: SendOptions = {}): Generator<TimedFrame> {
    return this.send(this.server, this.client, data, { delayUs: this.rttUs, ...options });
  }

  /** FIN from the client, FIN from the server, last ACK. */
  *closeFromClient(delayUs = 0): Generator<TimedFrame> {
    yield* this.close(this.client, this.server, delayUs, this.rttUs, this.jitter(60, 200));
  }

  *closeFromServer(delayUs = 0): Generator<TimedFrame> {
    yield* this.close(this.server, this.client, delayUs, this.jitter(60, 400), this.rttUs);
  }

  private *close(
    closer: Side,
    other: Side,
    delayUs: number,
    replyDelayUs: number,
    lastAckDelayUs: number,
  ): Generator<TimedFrame> {
    this.clock.us += delayUs;
    yield this.segment(closer, other, this.clock.us, TcpFlag.FIN | TcpFlag.ACK);
    closer.seq += 1;
    this.clock.us += replyDelayUs;
    yield this.segment(other, closer, this.clock.us, TcpFlag.FIN | TcpFlag.ACK);
    other.seq += 1;
    this.clock.us += lastAckDelayUs;
    yield this.segment(closer, other, this.clock.us, TcpFlag.ACK);
  }

  /**
   * Data from one side in MSS-sized segments, PSH on the last, with the receiver's ACK for every second
   * segment and for the last (delayed ACK). ACKs from the far side appear a round trip later, so the
   * frames are sorted by time before they are yielded.
   */
  private *send(from: Side, to: Side, data: Uint8Array, options: SendOptions): Generator<TimedFrame> {
    const isFromClient = from === this.client;
    const gapPerByteUs = 8_000_000 / (options.bitsPerSecond ?? 50_000_000);
    // The receiver's ACKs cross the capture point at once if it is the client, a round trip later if not.
    const ackLagUs = isFromClient ? this.rttUs : this.jitter(40, 120);
    const frames: Pending[] = [];
    let t = this.clock.us + (options.delayUs ?? 0);
    let segments = 0;
    for (let at = 0; at < data.length; at += this.mss) {
      const chunk = data.subarray(at, Math.min(at + this.mss, data.length));
      const isLast = at + this.mss >= data.length;
      const flags = TcpFlag.ACK | (isLast ? TcpFlag.PSH : 0);
      frames.push({ ...this.segment(from, to, t, flags, { payload: chunk }), order: frames.length });
      from.seq += chunk.length;
      segments++;
      if (options.acked !== false && (segments % 2 === 0 || isLast)) {
        frames.push({ ...this.segment(to, from, t + ackLagUs, TcpFlag.ACK), order: frames.length });
      }
      t += Math.max(20, Math.round((chunk.length + 66) * gapPerByteUs));
    }
    frames.sort((a, b) => a.timestampUs - b.timestampUs || a.order - b.order);
    for (const { timestampUs, frame } of frames) {
      this.clock.us = Math.max(this.clock.us, timestampUs);
      yield { timestampUs, frame };
    }
  }

  private synOptions(side: Side): TcpOption[] {
    const stack = side.peer.stack;
    const isServer = side === this.server;
    const options: TcpOption[] = [];
    for (const kind of stack.synOptionOrder) {
      if (kind === 'mss') options.push({ kind: 'mss', value: stack.mss });
      else if (kind === 'nop') options.push({ kind: 'nop' });
      else if (kind === 'ws') options.push({ kind: 'windowScale', shift: stack.windowScale });
      else if (kind === 'sack') options.push({ kind: 'sackPermitted' });
      else if (kind === 'eol') options.push({ kind: 'eol' });
      else if (!isServer || this.timestamps) {
        options.push({
          kind: 'timestamps',
          value: this.tsValue(side),
          echo: isServer ? this.client.lastTsSent : 0,
        });
      }
    }
    return options;
  }

  /** One segment; `options` null sends none, absent sends timestamps where they were negotiated. */
  private segment(
    from: Side,
    to: Side,
    timestampUs: number,
    flags: number,
    extra: { window?: number; options?: TcpOption[] | null; payload?: Uint8Array } = {},
  ): TimedFrame {
    const isSyn = (flags & TcpFlag.SYN) !== 0;
    const { window, payload } = extra;
    let tcpOptions = extra.options ?? undefined;
    if (extra.options === undefined && this.timestamps) {
      const value = this.tsValue(from, timestampUs);
      tcpOptions = [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', value, echo: to.lastTsSent }];
    }
    const ack = (flags & TcpFlag.ACK) !== 0 ? to.seq : 0;
    const isV6 = from.peer.addr.includes(':');
    const frame = buildFrame({
      ethernet: { srcMac: from.peer.mac, dstMac: to.peer.mac },
      ip: isV6
        ? {
            version: 6,
            src: from.peer.addr,
            dst: to.peer.addr,
            hopLimit: from.peer.ttl,
            flowLabel: from.flowLabel,
          }
        : { version: 4, src: from.peer.addr, dst: to.peer.addr, ttl: from.peer.ttl, id: from.ipId++ },
      transport: {
        protocol: 'tcp',
        srcPort: from.peer.port,
        dstPort: to.peer.port,
        seq: from.seq,
        ack,
        flags,
        window: window ?? (isSyn ? from.peer.stack.synWindow : from.peer.stack.window),
        options: tcpOptions,
        payload,
      },
    });
    return { timestampUs: Math.round(timestampUs), frame };
  }

  /** TCP timestamps tick in milliseconds from a per-connection random base (RFC 7323). */
  private tsValue(side: Side, timestampUs = this.clock.us): number {
    side.lastTsSent = (side.tsBase + Math.floor(timestampUs / 1000)) >>> 0;
    return side.lastTsSent;
  }

  private jitter(minUs: number, maxUs: number): number {
    return this.rng.int(minUs, maxUs);
  }
}

/** A UDP datagram from one LAN-visible endpoint to another. */
export function udpFrame(
  from: Peer,
  to: Peer,
  payload: Uint8Array,
  timestampUs: number,
  ipId: number,
  dontFragment = true,
): TimedFrame {
  const isV6 = from.addr.includes(':');
  return {
    timestampUs: Math.round(timestampUs),
    frame: buildFrame({
      ethernet: { srcMac: from.mac, dstMac: to.mac },
      ip: isV6
        ? { version: 6, src: from.addr, dst: to.addr, hopLimit: from.ttl }
        : { version: 4, src: from.addr, dst: to.addr, ttl: from.ttl, id: ipId, dontFragment },
      transport: { protocol: 'udp', srcPort: from.port, dstPort: to.port, payload },
    }),
  };
}

/** An ICMP or ICMPv6 echo request and its reply a round trip later. */
export function* pingExchange(
  from: Peer,
  to: Peer,
  clock: Clock,
  rng: SeededRandom,
  options: { count: number; identifier: number; intervalUs: number; rttUs: number; payload: Uint8Array },
): Generator<TimedFrame> {
  const isV6 = from.addr.includes(':');
  for (let sequence = 1; sequence <= options.count; sequence++) {
    for (const [a, b, isReply] of [
      [from, to, false],
      [to, from, true],
    ] as const) {
      const at = isReply ? clock.us + options.rttUs : clock.us;
      yield {
        timestampUs: Math.round(at),
        frame: buildFrame({
          ethernet: { srcMac: a.mac, dstMac: b.mac },
          ip: isV6
            ? { version: 6, src: a.addr, dst: b.addr, hopLimit: a.ttl }
            : {
                version: 4,
                src: a.addr,
                dst: b.addr,
                ttl: a.ttl,
                id: rng.int(0, 0xffff),
                dontFragment: false,
              },
          transport: {
            protocol: 'icmp-echo',
            isReply,
            identifier: options.identifier,
            sequence,
            payload: options.payload,
          },
        }),
      };
    }
    clock.us += options.rttUs + (sequence < options.count ? options.intervalUs : 0);
  }
}
