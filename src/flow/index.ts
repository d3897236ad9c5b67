/**
 * Flow assembly: turns decoded packets into bidirectional flow records, with Community ID, direction,
 * names (DNS answers, TLS SNI, HTTP Host), TLS fingerprints, passive DNS and device observations.
 *
 * In: DecodeResult from decode/ with its capture time. Out: FlowRecord, DnsRecord and DeviceObservation
 * (records/), handed to callbacks when a flow ends, times out or is evicted.
 * Memory is bounded: past `maxFlows` the least recently active flow is emitted early and counted, and
 * payload buffers are capped and freed once parsed. Time comes only from packet timestamps.
 * Called by daemon/ pipelines; imports decode/ and config/ only.
 */
export {
  ICMP4_REQUESTS,
  ICMP6_REQUESTS,
  exportEndReasonOf,
  isPureSyn,
  stitchClassOf,
  stitchedStatusOf,
} from './stitch-rules.js';
export { createFlowTable, type FlowTable, type FlowTableDeps, type FlowTableStats } from './flow-table.js';
export {
  communityId,
  hashTupleWords,
  icmpCounterpart,
  type CommunityIdTuple,
  type CommunityIdOptions,
} from './community-id.js';
export {
  createHomeNetworkMatcher,
  flowDirection,
  isMulticastOrBroadcast,
  isMulticastOrBroadcastWords,
  type HomeNetworkMatcher,
} from './home-network-matcher.js';
export {
  createFlowStitcher,
  type FlowStitcher,
  type FlowStitcherConfig,
  type FlowStitcherDeps,
  type FlowStitcherStats,
} from './flow-stitcher.js';
