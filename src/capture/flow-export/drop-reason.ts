/**
 * Why the collector dropped a datagram, a set or a record. Each is counted per exporter; nothing
 * dropped ever throws out of the collector. The unit differs by reason: a datagram for the header
 * reasons, a set for the set and template reasons, a record or sample for the rest.
 */
export const DROP_REASONS = [
  /** Shorter than its header, or a record or sample runs past the datagram's end. */
  'truncated',
  /** Not NetFlow v5, v9, IPFIX or sFlow v5. */
  'unknown_version',
  /** The header contradicts the datagram: IPFIX length, v5 record count, sFlow address type. */
  'bad_header',
  /** A set (flowset) shorter than its own header or longer than what is left of the datagram. */
  'bad_set',
  /** A template that cannot describe a record: reserved id, no fields, fields past the set's end. */
  'bad_template',
  /** The exporter already holds `maxTemplatesPerExporter` templates; the new one is refused. */
  'template_limit',
  /** Data records whose template has not arrived (or was withdrawn); the whole set is dropped. */
  'no_template',
  /** A data record without the addresses or protocol a flow needs. */
  'bad_record',
  /** An sFlow flow sample whose packet header could not be decoded to IP. */
  'bad_sample',
  /** A decoder fault (a bug, not the input's fault): the datagram is dropped and counted. */
  'decoder_error',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type DropCounts = Record<DropReason, number>;

export function emptyDropCounts(): DropCounts {
  return {
    truncated: 0,
    unknown_version: 0,
    bad_header: 0,
    bad_set: 0,
    bad_template: 0,
    template_limit: 0,
    no_template: 0,
    bad_record: 0,
    bad_sample: 0,
    decoder_error: 0,
  };
}
