/**
 * Address numbers on BigQuery: the 128-bit number of address-number.ts (IPv4 mapped into
 * ::ffff:0:0/96) as exactly 32 lowercase hex digits. BigQuery has no 128-bit integer, and NUMERIC is too
 * narrow; at a fixed width, text order is number order, so `addr_num BETWEEN range_start AND range_end`
 * reads as it does on DuckDB, and a prefix of the text is a bucket of addresses (4 digits, 16 bits).
 */
import { addressToNumber } from '../address-number.js';

const WIDTH = 32;

/** `number` (0 to 2^128 - 1) as 32 lowercase hex digits. */
export function addressNumberHex(number: bigint): string {
  return number.toString(16).padStart(WIDTH, '0');
}

/** The hex address number of an address in text form; null when the text is not an address. */
export function addressHex(addr: string): string | null {
  const number = addressToNumber(addr);
  return number === null ? null : addressNumberHex(number);
}

/** The hex number of ::ffff:255.255.255.255, the last IPv4 address as the store numbers it. */
export const LAST_IPV4_HEX = addressNumberHex(0xffff_ffff_ffffn);
