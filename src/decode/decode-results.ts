import type { DecodeResult } from './packet.js';

/**
 * Results that carry no per-packet data are built once and shared, so a flood of garbage frames
 * allocates nothing. They are frozen because every caller receives the same object.
 */
export function malformed(reason: string): DecodeResult {
  return Object.freeze({ kind: 'malformed', reason });
}

export function other(what: string): DecodeResult {
  return Object.freeze({ kind: 'other', what });
}

export const UNSUPPORTED_LINK_TYPE = other('unsupported-link-type');
export const LLC = other('llc');

/** A zero-length payload shared by every packet that has none, instead of one empty view each. */
export const EMPTY_PAYLOAD = new Uint8Array(0);
