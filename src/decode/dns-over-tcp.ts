export interface DnsOverTcpSplit {
  /** Complete messages, in order, as views into the input (no copy). */
  messages: Uint8Array[];
  /** Bytes taken from the front of the input; the rest is a message not yet complete. */
  consumed: number;
}

/**
 * Splits a reassembled DNS-over-TCP byte stream (RFC 1035 section 4.2.2: each message behind a
 * 2-byte length) into messages. A segment may hold several messages or end inside one: the
 * caller keeps the bytes after `consumed` and calls again when more arrive. A zero length prefix
 * carries no message and is skipped. Never throws.
 */
export function splitDnsOverTcp(stream: Uint8Array): DnsOverTcpSplit {
  const messages: Uint8Array[] = [];
  let pos = 0;
  while (pos + 2 <= stream.length) {
    const length = (stream[pos]! << 8) | stream[pos + 1]!;
    if (pos + 2 + length > stream.length) break;
    if (length > 0) messages.push(stream.subarray(pos + 2, pos + 2 + length));
    pos += 2 + length;
  }
  return { messages, consumed: pos };
}
