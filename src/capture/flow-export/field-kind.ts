/**
 * What a template field means to Yamori. Templates are compiled once into an array of these, so a
 * data record is decoded by one switch per field rather than a lookup by element id.
 *
 * Element ids are IANA's IPFIX Information Elements (https://www.iana.org/assignments/ipfix), which
 * NetFlow v9 shares for every id below 128 that Yamori reads, plus its sampling ids 34, 48 and 50.
 */
export const FieldKind = {
  SKIP: 0,
  OCTETS: 1,
  PACKETS: 2,
  OCTETS_TOTAL: 3,
  PACKETS_TOTAL: 4,
  PROTOCOL: 5,
  TCP_FLAGS: 6,
  SRC_PORT: 7,
  DST_PORT: 8,
  SRC_IPV4: 9,
  DST_IPV4: 10,
  SRC_IPV6: 11,
  DST_IPV6: 12,
  INPUT: 13,
  OUTPUT: 14,
  FIRST_UPTIME_MS: 15,
  LAST_UPTIME_MS: 16,
  ICMP_TYPE_CODE: 17,
  ICMP_TYPE: 18,
  ICMP_CODE: 19,
  SAMPLING_INTERVAL: 20,
  SAMPLER_ID: 21,
  SAMPLER_RANDOM_INTERVAL: 22,
  SRC_MAC: 23,
  DST_MAC: 24,
  VLAN: 25,
  IP_VERSION: 26,
  FLOW_END_REASON: 27,
  START_S: 28,
  END_S: 29,
  START_MS: 30,
  END_MS: 31,
  START_NTP: 32,
  END_NTP: 33,
  START_DELTA_US: 34,
  END_DELTA_US: 35,
  SYSTEM_INIT_MS: 36,
  DURATION_MS: 37,
  DURATION_US: 38,
  SAMPLING_PACKET_INTERVAL: 39,
  SAMPLING_PACKET_SPACE: 40,
  REVERSE_OCTETS: 41,
  REVERSE_PACKETS: 42,
  REVERSE_TCP_FLAGS: 43,
  SAMPLING_POPULATION: 44,
  SAMPLING_SIZE: 45,
} as const;

export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/** IANA element id → kind, for elements without an enterprise number. */
const STANDARD = new Map<number, FieldKind>([
  [1, FieldKind.OCTETS], // octetDeltaCount
  [2, FieldKind.PACKETS], // packetDeltaCount
  [4, FieldKind.PROTOCOL], // protocolIdentifier
  [6, FieldKind.TCP_FLAGS], // tcpControlBits
  [7, FieldKind.SRC_PORT], // sourceTransportPort
  [8, FieldKind.SRC_IPV4], // sourceIPv4Address
  [10, FieldKind.INPUT], // ingressInterface
  [11, FieldKind.DST_PORT], // destinationTransportPort
  [12, FieldKind.DST_IPV4], // destinationIPv4Address
  [14, FieldKind.OUTPUT], // egressInterface
  [21, FieldKind.LAST_UPTIME_MS], // flowEndSysUpTime (v9 LAST_SWITCHED)
  [22, FieldKind.FIRST_UPTIME_MS], // flowStartSysUpTime (v9 FIRST_SWITCHED)
  [27, FieldKind.SRC_IPV6], // sourceIPv6Address
  [28, FieldKind.DST_IPV6], // destinationIPv6Address
  [32, FieldKind.ICMP_TYPE_CODE], // icmpTypeCodeIPv4
  [34, FieldKind.SAMPLING_INTERVAL], // samplingInterval (v9 SAMPLING_INTERVAL)
  [48, FieldKind.SAMPLER_ID], // samplerId (v9 FLOW_SAMPLER_ID)
  [50, FieldKind.SAMPLER_RANDOM_INTERVAL], // samplerRandomInterval (v9 FLOW_SAMPLER_RANDOM_INTERVAL)
  [56, FieldKind.SRC_MAC], // sourceMacAddress
  [58, FieldKind.VLAN], // vlanId
  [60, FieldKind.IP_VERSION], // ipVersion
  [80, FieldKind.DST_MAC], // destinationMacAddress
  [85, FieldKind.OCTETS_TOTAL], // octetTotalCount
  [86, FieldKind.PACKETS_TOTAL], // packetTotalCount
  [136, FieldKind.FLOW_END_REASON], // flowEndReason
  [139, FieldKind.ICMP_TYPE_CODE], // icmpTypeCodeIPv6
  [150, FieldKind.START_S], // flowStartSeconds
  [151, FieldKind.END_S], // flowEndSeconds
  [152, FieldKind.START_MS], // flowStartMilliseconds
  [153, FieldKind.END_MS], // flowEndMilliseconds
  [154, FieldKind.START_NTP], // flowStartMicroseconds
  [155, FieldKind.END_NTP], // flowEndMicroseconds
  [156, FieldKind.START_NTP], // flowStartNanoseconds
  [157, FieldKind.END_NTP], // flowEndNanoseconds
  [158, FieldKind.START_DELTA_US], // flowStartDeltaMicroseconds
  [159, FieldKind.END_DELTA_US], // flowEndDeltaMicroseconds
  [160, FieldKind.SYSTEM_INIT_MS], // systemInitTimeMilliseconds
  [161, FieldKind.DURATION_MS], // flowDurationMilliseconds
  [162, FieldKind.DURATION_US], // flowDurationMicroseconds
  [176, FieldKind.ICMP_TYPE], // icmpTypeIPv4
  [177, FieldKind.ICMP_CODE], // icmpCodeIPv4
  [178, FieldKind.ICMP_TYPE], // icmpTypeIPv6
  [179, FieldKind.ICMP_CODE], // icmpCodeIPv6
  [231, FieldKind.OCTETS], // initiatorOctets
  [232, FieldKind.REVERSE_OCTETS], // responderOctets
  [243, FieldKind.VLAN], // dot1qVlanId
  [298, FieldKind.PACKETS], // initiatorPackets
  [299, FieldKind.REVERSE_PACKETS], // responderPackets
  [302, FieldKind.SAMPLER_ID], // selectorId
  [305, FieldKind.SAMPLING_PACKET_INTERVAL], // samplingPacketInterval
  [306, FieldKind.SAMPLING_PACKET_SPACE], // samplingPacketSpace
  [309, FieldKind.SAMPLING_SIZE], // samplingSize
  [310, FieldKind.SAMPLING_POPULATION], // samplingPopulation
]);

/** RFC 5103 reverse elements: the forward element's id under this private enterprise number. */
export const REVERSE_PEN = 29305;

const REVERSE = new Map<number, FieldKind>([
  [1, FieldKind.REVERSE_OCTETS],
  [2, FieldKind.REVERSE_PACKETS],
  [6, FieldKind.REVERSE_TCP_FLAGS],
  [85, FieldKind.REVERSE_OCTETS],
  [86, FieldKind.REVERSE_PACKETS],
]);

/** Longest value Yamori reads as a number; longer ones under a numeric id are skipped. */
const MAX_NUMBER_BYTES = 8;

/**
 * The kind of one template field, or SKIP when Yamori does not use it, or when its length does not
 * fit the element (an address of 5 bytes, a counter of 9): such a field is stepped over, not guessed at.
 */
export function fieldKind(elementId: number, enterprise: number, length: number): FieldKind {
  const kind =
    enterprise === 0
      ? STANDARD.get(elementId)
      : enterprise === REVERSE_PEN
        ? REVERSE.get(elementId)
        : undefined;
  if (kind === undefined) return FieldKind.SKIP;
  switch (kind) {
    case FieldKind.SRC_IPV4:
    case FieldKind.DST_IPV4:
      return length === 4 ? kind : FieldKind.SKIP;
    case FieldKind.SRC_IPV6:
    case FieldKind.DST_IPV6:
      return length === 16 ? kind : FieldKind.SKIP;
    case FieldKind.SRC_MAC:
    case FieldKind.DST_MAC:
      return length === 6 ? kind : FieldKind.SKIP;
    case FieldKind.START_NTP:
    case FieldKind.END_NTP:
      return length === 8 ? kind : FieldKind.SKIP;
    default:
      return length >= 1 && length <= MAX_NUMBER_BYTES ? kind : FieldKind.SKIP;
  }
}
