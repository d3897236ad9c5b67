import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConntrackLine, type ConntrackEvent } from './conntrack-event.js';
import { conntrackFlow } from './conntrack-flow.js';

/**
 * Lines recorded from `conntrack -E -o timestamp,extended,id -e NEW,DESTROY` (conntrack-tools 1.4.7,
 * Linux 6.18) in network namespaces: ping and ping -6, a TCP exchange through an nft redirect, a refused
 * TCP connection, one-way UDP over IPv6 that expired, entries deleted with `conntrack -D`, a
 * masquerading router with a port forward, and a namespace with accounting off.
 */
const RECORDED = {
  icmpNew:
    '[1795887314.039776]\t    [NEW] ipv4     2 icmp     1 30 src=127.0.0.1 dst=127.0.0.1 type=8 code=0 id=8703 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 type=0 code=0 id=8703 id=3837960702',
  icmpDestroy:
    '[1795887317.214314]\t[DESTROY] ipv4     2 icmp     1 26 src=127.0.0.1 dst=127.0.0.1 type=8 code=0 id=8703 packets=1 bytes=84 src=127.0.0.1 dst=127.0.0.1 type=0 code=0 id=8703 packets=1 bytes=84 delta-time=3 id=3837960702 [USERSPACE] portid=3659955329 progname=conntrack',
  icmp6Destroy:
    '[1795887317.212923]\t[DESTROY] ipv6     10 icmpv6   58 26 src=::1 dst=::1 type=128 code=0 id=8704 packets=1 bytes=104 src=::1 dst=::1 type=129 code=0 id=8704 packets=1 bytes=104 delta-time=3 id=1885755216 [USERSPACE] portid=3659955329 progname=conntrack',
  tcpRedirectNew:
    '[1795887314.126079]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=127.0.0.1 dst=127.0.0.1 sport=55166 dport=9090 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=8088 dport=55166 id=1557239418',
  tcpRedirectDestroy:
    '[1795887317.214269]\t[DESTROY] ipv4     2 tcp      6 116 TIME_WAIT src=127.0.0.1 dst=127.0.0.1 sport=55166 dport=9090 packets=5 bytes=271 src=127.0.0.1 dst=127.0.0.1 sport=8088 dport=55166 packets=5 bytes=273 [ASSURED] delta-time=3 id=1557239418 [USERSPACE] portid=3659955329 progname=conntrack',
  tcpRefused:
    '[1795887314.127005]\t[DESTROY] ipv4     2 tcp      6 120 CLOSE src=127.0.0.1 dst=127.0.0.1 sport=51108 dport=8099 packets=1 bytes=60 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=8099 dport=51108 packets=1 bytes=40 delta-time=0 id=2916052737',
  udp6Expired:
    '[1795887317.212791]\t[DESTROY] ipv6     10 udp      17 src=::1 dst=::1 sport=38706 dport=9999 packets=1 bytes=58 [UNREPLIED] src=::1 dst=::1 sport=9999 dport=38706 packets=0 bytes=0 delta-time=1 id=3506974369',
  masqueraded:
    '[1795887967.198469]\t[DESTROY] ipv4     2 tcp      6 119 TIME_WAIT src=10.1.0.2 dst=10.2.0.2 sport=33390 dport=80 packets=4 bytes=216 src=10.2.0.2 dst=10.2.0.1 sport=80 dport=33390 packets=4 bytes=218 [ASSURED] id=3721548263 [USERSPACE] portid=3195689080',
  portForwarded:
    '[1795887967.197034]\t[DESTROY] ipv4     2 tcp      6 119 TIME_WAIT src=10.2.0.2 dst=10.2.0.1 sport=35062 dport=8443 packets=4 bytes=216 src=10.1.0.2 dst=10.2.0.2 sport=443 dport=35062 packets=4 bytes=218 [ASSURED] id=3593390593 [USERSPACE] portid=3195689080',
  withoutAccounting:
    '[1795887977.361114]\t[DESTROY] ipv4     2 udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=49740 dport=9999 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=9999 dport=49740 id=3751905443 [USERSPACE] portid=4005500516',
  summary: 'conntrack v1.4.7 (conntrack-tools): 10 flow events have been shown.',
};

function event(line: string): ConntrackEvent {
  const parsed = parseConntrackLine(line);
  if (parsed === null || typeof parsed === 'string') throw new Error(`not an event: ${String(parsed)}`);
  return parsed;
}

/** Kernel defaults (nf_conntrack_*_timeout), as readConntrackTimeouts reads them. */
const TIMEOUTS = {
  tcp_timeout_time_wait: 120,
  tcp_timeout_close: 10,
  tcp_timeout_established: 432000,
  udp_timeout: 30,
  udp_timeout_stream: 120,
  icmp_timeout: 30,
  icmpv6_timeout: 30,
  generic_timeout: 600,
};

describe('parseConntrackLine', () => {
  it('reads an ICMP NEW event: tuple type and code, echo id apart from the entry id', () => {
    expect(event(RECORDED.icmpNew)).toEqual({
      type: 'new',
      seenAt: 1795887314039776,
      ipVersion: 4,
      ipProto: 1,
      original: { src: '127.0.0.1', dst: '127.0.0.1', sport: 8, dport: 0, packets: null, bytes: null },
      reply: { src: '127.0.0.1', dst: '127.0.0.1', sport: 0, dport: 0, packets: null, bytes: null },
      state: null,
      remainingTimeoutS: 30,
      isUnreplied: true,
      isAssured: false,
      isOffloaded: false,
      deltaTimeS: null,
      id: '3837960702',
      isUserspace: false,
    });
  });

  it('reads a TCP DESTROY with counters, state, flags, age and who deleted it', () => {
    expect(event(RECORDED.tcpRedirectDestroy)).toMatchObject({
      type: 'destroy',
      ipProto: 6,
      state: 'TIME_WAIT',
      remainingTimeoutS: 116,
      original: { sport: 55166, dport: 9090, packets: 5, bytes: 271 },
      reply: { sport: 8088, dport: 55166, packets: 5, bytes: 273 },
      isAssured: true,
      isUnreplied: false,
      deltaTimeS: 3,
      id: '1557239418',
      isUserspace: true,
    });
  });

  it('reads an entry that expired, which has no timeout field', () => {
    expect(event(RECORDED.udp6Expired)).toMatchObject({
      ipVersion: 6,
      ipProto: 17,
      remainingTimeoutS: null,
      isUserspace: false,
      deltaTimeS: 1,
    });
  });

  it('leaves counters null when accounting is off', () => {
    expect(event(RECORDED.withoutAccounting)).toMatchObject({
      original: { packets: null, bytes: null },
      reply: { packets: null },
    });
  });

  it('marks entries offloaded to a flowtable', () => {
    const offloaded = RECORDED.masqueraded.replace('[ASSURED]', '[OFFLOAD]');
    expect(event(offloaded).isOffloaded).toBe(true);
  });

  it("skips conntrack's closing summary and lines without a timestamp prefix still parse", () => {
    expect(parseConntrackLine(RECORDED.summary)).toBeNull();
    expect(parseConntrackLine('')).toBeNull();
    expect(event(RECORDED.tcpRefused.replace(/^\[[^\]]+\]\t/, '')).seenAt).toBeNaN();
  });

  const badCases: { description: string; line: string; reason: RegExp }[] = [
    {
      description: 'an UPDATE event',
      line: '[1.0]\t[UPDATE] ipv4 2 tcp 6 60 ESTABLISHED src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1',
      reason: /other than NEW or DESTROY/,
    },
    { description: 'an unknown family', line: '[NEW] ipx 4 tcp 6 src=a', reason: /is not ipv4 or ipv6/ },
    {
      description: 'no reply tuple',
      line: '[NEW] ipv4 2 udp 17 30 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2',
      reason: /both an original and a reply/,
    },
    {
      description: 'a counter that is not a number',
      line: '[DESTROY] ipv4 2 udp 17 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 packets=lots src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1',
      reason: /packets="lots"/,
    },
  ];
  for (const c of badCases) {
    it(`says why it cannot read ${c.description}`, () => {
      expect(parseConntrackLine(c.line)).toMatch(c.reason);
    });
  }

  it('never throws on arbitrary text, including mangled recorded lines', () => {
    const recorded = Object.values(RECORDED);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom(...recorded).chain((line) => fc.nat(line.length).map((cut) => line.slice(0, cut))),
        ),
        (line) => {
          const parsed = parseConntrackLine(line);
          expect(parsed === null || typeof parsed === 'string' || typeof parsed === 'object').toBe(true);
        },
      ),
    );
  });
});

describe('conntrackFlow', () => {
  it('makes a flow of the LAN-side view: the device before source NAT, the server that answered', () => {
    const destroyedAt = 1795887967198469;
    expect(conntrackFlow(event(RECORDED.masqueraded), destroyedAt, 1795887966808760, TIMEOUTS)).toMatchObject(
      {
        protocol: 'tcp',
        srcAddr: '10.1.0.2',
        srcPort: 33390,
        dstAddr: '10.2.0.2',
        dstPort: 80,
        srcPackets: 4,
        srcBytes: 216,
        dstPackets: 4,
        dstBytes: 218,
        status: 'closed',
        endReason: 'fin',
        firstSeenAt: 1795887966808760,
      },
    );
  });

  it('names the home server behind a port forward, not the router’s public address', () => {
    expect(conntrackFlow(event(RECORDED.portForwarded), 1795887967197034, null, TIMEOUTS)).toMatchObject({
      srcAddr: '10.2.0.2',
      dstAddr: '10.1.0.2',
      dstPort: 443,
    });
  });

  it('puts the last packet back by the timeout the entry had used up, and the start at the NEW event', () => {
    const destroyedAt = 1795887317214269;
    const startedAt = destroyedAt - 60_000_000;
    // TIME_WAIT is 120 s and 116 s were left: the last packet came 4 s before the deletion.
    const flow = conntrackFlow(event(RECORDED.tcpRedirectDestroy), destroyedAt, startedAt, TIMEOUTS);
    expect(flow).toMatchObject({ firstSeenAt: startedAt, lastSeenAt: destroyedAt - 4_000_000 });
  });

  it('never puts the last packet before the first (timeouts count whole seconds)', () => {
    // The recorded connection lasted 0.1 s and was deleted 3.1 s later; "4 s ago" would precede its start.
    const flow = conntrackFlow(
      event(RECORDED.tcpRedirectDestroy),
      1795887317214269,
      1795887314126079,
      TIMEOUTS,
    );
    expect(flow).toMatchObject({ firstSeenAt: 1795887314126079, lastSeenAt: 1795887314126079 });
  });

  it('places an expired entry one full timeout before its destruction, and its start by its age when NEW was missed', () => {
    const destroyedAt = 1795887317212791;
    const flow = conntrackFlow(event(RECORDED.udp6Expired), destroyedAt, null, {
      ...TIMEOUTS,
      udp_timeout: 1,
    });
    expect(flow).toMatchObject({
      status: 'unanswered',
      endReason: 'idle_timeout',
      lastSeenAt: destroyedAt - 1_000_000,
    });
    expect(flow.firstSeenAt).toBe(destroyedAt - 1_000_000);
  });

  it('keeps the destruction time when the timeouts are unknown', () => {
    const flow = conntrackFlow(event(RECORDED.tcpRefused), 1795887314127005, null, {});
    expect(flow).toMatchObject({ firstSeenAt: 1795887314127005, lastSeenAt: 1795887314127005 });
  });

  const statusCases: { line: keyof typeof RECORDED; status: string; endReason: string }[] = [
    { line: 'tcpRefused', status: 'rejected', endReason: 'rst' },
    { line: 'tcpRedirectDestroy', status: 'closed', endReason: 'fin' },
    { line: 'icmpDestroy', status: 'established', endReason: 'evicted' },
    { line: 'udp6Expired', status: 'unanswered', endReason: 'idle_timeout' },
    { line: 'withoutAccounting', status: 'unanswered', endReason: 'evicted' },
  ];
  for (const c of statusCases) {
    it(`calls ${c.line} ${c.status}, ended by ${c.endReason}`, () => {
      expect(conntrackFlow(event(RECORDED[c.line]), 1e15, null, TIMEOUTS)).toMatchObject({
        status: c.status,
        endReason: c.endReason,
      });
    });
  }

  it('calls a connection reset after its handshake reset', () => {
    const reset = RECORDED.masqueraded.replace('TIME_WAIT', 'CLOSE');
    expect(conntrackFlow(event(reset), 1e15, null, TIMEOUTS).status).toBe('reset');
  });

  it('takes ICMP type and code as ports, for the sink to apply the counterpart rule', () => {
    expect(conntrackFlow(event(RECORDED.icmp6Destroy), 1e15, null, TIMEOUTS)).toMatchObject({
      protocol: 'icmp6',
      srcPort: 128,
      dstPort: 0,
      isIcmpCodeAsPort: true,
    });
  });

  it('writes zero counts, not made-up ones, when accounting is off', () => {
    expect(conntrackFlow(event(RECORDED.withoutAccounting), 1e15, null, TIMEOUTS)).toMatchObject({
      srcPackets: 0,
      srcBytes: 0,
      dstPackets: 0,
      dstBytes: 0,
    });
  });
});
