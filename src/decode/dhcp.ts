import { formatIpv4 } from './ip/format-ip.js';
import { formatMac, HEX_BYTE } from './link/format-mac.js';

/** What a DHCPv4 message (RFC 2131/2132) says about the client; the fields a device inventory uses. */
export interface DhcpInfo {
  /** 1 BOOTREQUEST (client to server), 2 BOOTREPLY. */
  op: number;
  transactionId: number;
  /** Option 53; null for plain BOOTP. */
  messageType: number | null;
  /** DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM, … or `TYPE<n>`. */
  messageTypeName: string | null;
  /** chaddr as `aa:bb:cc:dd:ee:ff` when htype is Ethernet (1) and hlen 6, else null. */
  clientMac: string | null;
  /** ciaddr: the address the client already has (renewing), `0.0.0.0` otherwise. */
  clientAddr: string;
  /** yiaddr: the address the server offers or assigns, `0.0.0.0` in client messages. */
  yourAddr: string;
  /** Option 12. */
  hostname: string | null;
  /** Option 50. */
  requestedAddr: string | null;
  /** Option 54. */
  serverId: string | null;
  /** Option 51, seconds. */
  leaseSeconds: number | null;
  /** Option 60, e.g. `MSFT 5.0`, `android-dhcp-13`. */
  vendorClass: string | null;
  /** Option 55, in the order sent: the order is what makes it a client fingerprint. */
  parameterRequestList: number[];
  /** Option 61 as lowercase hex (type byte first). */
  clientId: string | null;
  /** False when the options ran past the end of the payload or had no end option. */
  isComplete: boolean;
}

const OPTIONS_START = 240;
const MAGIC_COOKIE = 0x63825363;
const TYPE_NAMES: readonly string[] = [
  '',
  'DISCOVER',
  'OFFER',
  'REQUEST',
  'DECLINE',
  'ACK',
  'NAK',
  'RELEASE',
  'INFORM',
  'FORCERENEW',
  'LEASEQUERY',
  'LEASEUNASSIGNED',
  'LEASEUNKNOWN',
  'LEASEACTIVE',
  'BULKLEASEQUERY',
  'LEASEQUERYDONE',
  'ACTIVELEASEQUERY',
  'LEASEQUERYSTATUS',
  'TLS',
];

const utf8 = new TextDecoder('utf-8', { fatal: false });

function hex(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += HEX_BYTE[bytes[i]!]!;
  return text;
}

/** UTF-8 text without the NUL padding some clients add; other control characters become `\xNN`. */
function text(bytes: Uint8Array, start: number, end: number): string | null {
  while (end > start && bytes[end - 1] === 0) end--;
  if (end === start) return null;
  // eslint-disable-next-line no-control-regex
  return utf8.decode(bytes.subarray(start, end)).replace(/[\x00-\x1f\x7f]/g, (c) => {
    return '\\x' + HEX_BYTE[c.charCodeAt(0)]!;
  });
}

function decode(payload: Uint8Array): DhcpInfo | null {
  if (payload.length < OPTIONS_START) return null;
  const op = payload[0]!;
  if (op !== 1 && op !== 2) return null;
  const cookie = ((payload[236]! << 24) | (payload[237]! << 16) | (payload[238]! << 8) | payload[239]!) >>> 0;
  if (cookie !== MAGIC_COOKIE) return null;

  const info: DhcpInfo = {
    op,
    transactionId: ((payload[4]! << 24) | (payload[5]! << 16) | (payload[6]! << 8) | payload[7]!) >>> 0,
    messageType: null,
    messageTypeName: null,
    clientMac: payload[1] === 1 && payload[2] === 6 ? formatMac(payload, 28) : null,
    clientAddr: formatIpv4(payload, 12),
    yourAddr: formatIpv4(payload, 16),
    hostname: null,
    requestedAddr: null,
    serverId: null,
    leaseSeconds: null,
    vendorClass: null,
    parameterRequestList: [],
    clientId: null,
    isComplete: false,
  };

  // The first copy of an option wins; RFC 3396 splitting of long options is not undone.
  let at = OPTIONS_START;
  while (at < payload.length) {
    const code = payload[at]!;
    if (code === 0) {
      at++;
      continue;
    }
    if (code === 255) {
      info.isComplete = true;
      break;
    }
    if (at + 2 > payload.length) break;
    const start = at + 2;
    const end = start + payload[at + 1]!;
    if (end > payload.length) break;
    const length = end - start;
    switch (code) {
      case 53:
        if (length === 1 && info.messageType === null) {
          const type = payload[start]!;
          info.messageType = type;
          info.messageTypeName = TYPE_NAMES[type] || `TYPE${type}`;
        }
        break;
      case 12:
        info.hostname ??= text(payload, start, end);
        break;
      case 50:
        if (length === 4) info.requestedAddr ??= formatIpv4(payload, start);
        break;
      case 54:
        if (length === 4) info.serverId ??= formatIpv4(payload, start);
        break;
      case 51:
        if (length === 4 && info.leaseSeconds === null) {
          info.leaseSeconds =
            ((payload[start]! << 24) |
              (payload[start + 1]! << 16) |
              (payload[start + 2]! << 8) |
              payload[start + 3]!) >>>
            0;
        }
        break;
      case 60:
        info.vendorClass ??= text(payload, start, end);
        break;
      case 55:
        if (info.parameterRequestList.length === 0) {
          for (let i = start; i < end; i++) info.parameterRequestList.push(payload[i]!);
        }
        break;
      case 61:
        if (length > 0) info.clientId ??= hex(payload, start, end);
        break;
    }
    at = end;
  }
  return info;
}

/**
 * Decodes a DHCPv4 message (the UDP payload on port 67/68). Returns null for anything that is not
 * BOOTP with the DHCP magic cookie. Options cut off by the capture leave `isComplete` false and
 * keep what was read. Never throws.
 */
export function decodeDhcp(payload: Uint8Array): DhcpInfo | null {
  try {
    return decode(payload);
  } catch {
    return null;
  }
}
