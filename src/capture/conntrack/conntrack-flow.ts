import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { protocolName, type FlowEndReason, type FlowStatus } from '../../records/index.js';
import type { LoggedFlow } from '../logged-flow.js';
import type { ConntrackEvent } from './conntrack-event.js';

/** conntrack's timeouts in seconds by sysctl name without the prefix: `tcp_timeout_time_wait` → 120. */
export type ConntrackTimeouts = Readonly<Record<string, number>>;

/**
 * The timeouts of the network namespace this process runs in, from /proc/sys/net/netfilter
 * (`nf_conntrack_*timeout*`). Empty when conntrack is not loaded; then times are not corrected.
 */
export function readConntrackTimeouts(dir = '/proc/sys/net/netfilter'): ConntrackTimeouts {
  const timeouts: Record<string, number> = {};
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return timeouts;
  }
  for (const name of names) {
    if (!name.startsWith('nf_conntrack_') || !name.includes('timeout')) continue;
    try {
      const value = Number(readFileSync(join(dir, name), 'utf8').trim());
      if (Number.isInteger(value) && value >= 0) timeouts[name.slice('nf_conntrack_'.length)] = value;
    } catch {
      // Unreadable entries (permissions) leave that timeout unknown.
    }
  }
  return timeouts;
}

/**
 * A DESTROY event as a flow, with the LAN-side view a capture on the home network would give:
 * `src` is the original tuple's source (the device, before source NAT) and `dst` the reply tuple's
 * source (the host that really answered, after destination NAT). For a masqueraded connection out, dst
 * is the remote host; for a port forward in, it is the home server, not the router's public address.
 * The translated addresses themselves are not kept (FlowRecord has no field for them).
 *
 * Counts are conntrack's accounting (IP-layer bytes, as FlowRecord counts them): 0 when
 * net.netfilter.nf_conntrack_acct is off. Payload bytes and TCP flags are not reported and are 0.
 *
 * Times: conntrack does not report the last packet. It is reconstructed from the seconds of timeout
 * the entry had left (`timeout - remaining` seconds ago; for an entry that expired, one full timeout
 * of its final state ago, which the kernel's garbage collection may delay by a few seconds), and kept
 * between `firstSeenAt` and the destruction. `firstSeenAt` is the NEW event's time when the caller saw
 * it, else the destruction less the entry's age (needs nf_conntrack_timestamp), else the last packet.
 */
export function conntrackFlow(
  event: ConntrackEvent,
  destroyedAt: number,
  firstSeenAt: number | null,
  timeouts: ConntrackTimeouts,
): LoggedFlow {
  const { original, reply, ipProto } = event;
  const stateTimeoutS = stateTimeout(event, timeouts);
  const idleS = stateTimeoutS === null ? 0 : Math.max(0, stateTimeoutS - (event.remainingTimeoutS ?? 0));
  const start =
    firstSeenAt ??
    (event.deltaTimeS !== null
      ? destroyedAt - event.deltaTimeS * 1_000_000
      : destroyedAt - idleS * 1_000_000);
  const firstAt = Math.min(start, destroyedAt);
  const lastAt = Math.min(destroyedAt, Math.max(firstAt, destroyedAt - idleS * 1_000_000));
  const responderSent = reply.packets !== null ? reply.packets > 0 : !event.isUnreplied;
  const status = statusOf(event, responderSent);
  const isIcmp = ipProto === 1 || ipProto === 58;
  return {
    protocol: protocolName(ipProto),
    ipProto,
    ipVersion: event.ipVersion,
    srcAddr: original.src,
    dstAddr: reply.src,
    srcPort: original.sport,
    dstPort: isIcmp ? original.dport : reply.sport,
    firstSeenAt: firstAt,
    lastSeenAt: lastAt,
    srcBytes: original.bytes ?? 0,
    dstBytes: reply.bytes ?? 0,
    srcPackets: original.packets ?? 0,
    dstPackets: reply.packets ?? 0,
    srcPayloadBytes: 0,
    dstPayloadBytes: 0,
    status,
    endReason: endReasonOf(status, event),
    communityId: null,
    isIcmpCodeAsPort: isIcmp,
    sensor: null,
    interface: null,
    srcMac: null,
    dstMac: null,
    vlan: null,
    innerVlan: null,
    serverName: null,
    dnsName: null,
    ja3: null,
    ja4: null,
    tlsCertSha1: null,
    tlsVersion: null,
    alpn: null,
    srcTcpFlags: 0,
    dstTcpFlags: 0,
  };
}

/**
 * TCP status from the state the entry died in: no reply is `unanswered`; CLOSE before the handshake
 * completed (not ASSURED) is a SYN answered by RST, `rejected`; TIME_WAIT follows FIN both ways,
 * `closed`; CLOSE after the handshake is a RST, `reset`. Other protocols: `established` once answered.
 */
function statusOf(event: ConntrackEvent, responderSent: boolean): FlowStatus {
  if (!responderSent) return 'unanswered';
  if (event.ipProto !== 6) return 'established';
  if (event.state === 'CLOSE') return event.isAssured ? 'reset' : 'rejected';
  if (event.state === 'TIME_WAIT') return 'closed';
  return 'established';
}

function endReasonOf(status: FlowStatus, event: ConntrackEvent): FlowEndReason {
  if (status === 'closed') return 'fin';
  if (status === 'reset' || status === 'rejected') return 'rst';
  // Deleted by a person or a tool (conntrack -D/-F, a firewall reload), not by conntrack itself.
  return event.isUserspace ? 'evicted' : 'idle_timeout';
}

/** The timeout the entry's final state had, in seconds; null when unknown. */
function stateTimeout(event: ConntrackEvent, timeouts: ConntrackTimeouts): number | null {
  const state = event.state?.toLowerCase().replace(/2$/, '') ?? null;
  let name: string;
  switch (event.ipProto) {
    case 6:
      name = `tcp_timeout_${state ?? 'established'}`;
      break;
    case 17:
    case 136:
      name = event.isAssured ? 'udp_timeout_stream' : 'udp_timeout';
      break;
    case 1:
      name = 'icmp_timeout';
      break;
    case 58:
      name = 'icmpv6_timeout';
      break;
    case 47:
      name = event.isAssured ? 'gre_timeout_stream' : 'gre_timeout';
      break;
    case 132:
      name = `sctp_timeout_${state ?? 'established'}`;
      break;
    default:
      name = 'generic_timeout';
  }
  return timeouts[name] ?? null;
}
