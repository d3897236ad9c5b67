/**
 * Text IP addresses → network-order bytes, for hashing (Community ID) and prefix matching (home
 * networks). Runs once per flow, not per packet, so clarity wins over speed here.
 */

/** The 4 bytes of a dotted-quad IPv4 address; null when the text is not one. */
export function ipv4Bytes(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  return writeIpv4(text, out, 0) ? out : null;
}

/**
 * A dotted-quad IPv4 address as an unsigned 32-bit number, or -1 when the text is not one. Reads
 * character codes directly: this runs for every new flow, so it avoids split() and regexes.
 */
export function ipv4ToNumber(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      part = part * 10 + (c - 0x30);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

/** The 16 bytes of an IPv6 address in any RFC 4291 text form (`::`, embedded IPv4); null otherwise. */
export function ipv6Bytes(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  return writeIpv6(text, out, 0) ? out : null;
}

function writeIpv6(text: string, out: Uint8Array, at: number): boolean {
  const zone = text.indexOf('%');
  const body = zone === -1 ? text : text.slice(0, zone);
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  out.fill(0, at, at + 16);
  // An embedded IPv4 address takes the place of the last two groups.
  const groups = halves.length === 2 ? tail : head;
  const last = groups[groups.length - 1];
  let v4Groups = 0;
  if (last !== undefined && last.includes('.')) {
    if (!writeIpv4(last, out, at + 12)) return false;
    groups.pop();
    v4Groups = 2;
  }
  const total = head.length + tail.length + v4Groups;
  if (halves.length === 1 ? total !== 8 : total > 7) return false;
  for (let i = 0; i < head.length; i++) {
    if (!writeGroup(head[i] ?? '', out, at + i * 2)) return false;
  }
  const tailStart = 8 - v4Groups - tail.length;
  for (let i = 0; i < tail.length; i++) {
    if (!writeGroup(tail[i] ?? '', out, at + (tailStart + i) * 2)) return false;
  }
  return true;
}

/**
 * Writes the bytes of an IPv4 or IPv6 address (by whether the text holds a colon) into `out` at
 * `at`; returns how many were written (4 or 16), or -1 when the text is not an address.
 */
export function writeAddress(text: string, out: Uint8Array, at: number): number {
  if (text.includes(':')) return writeIpv6(text, out, at) ? 16 : -1;
  return writeIpv4(text, out, at) ? 4 : -1;
}

/** IPv4 or IPv6 bytes, by whether the text holds a colon. */
export function addressBytes(text: string): Uint8Array | null {
  return text.includes(':') ? ipv6Bytes(text) : ipv4Bytes(text);
}

function writeIpv4(text: string, out: Uint8Array, at: number): boolean {
  const value = ipv4ToNumber(text);
  if (value === -1) return false;
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
  return true;
}

function writeGroup(group: string, out: Uint8Array, at: number): boolean {
  if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
  const value = parseInt(group, 16);
  out[at] = value >>> 8;
  out[at + 1] = value & 0xff;
  return true;
}
