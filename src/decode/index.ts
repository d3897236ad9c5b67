/**
 * Decoding: bytes → typed packet summaries (link, IPv4/IPv6, TCP/UDP/ICMP) and application messages
 * (DNS, TLS ClientHello and server flight with JA3/JA4 and certificate SHA1, HTTP Host, DHCP).
 *
 * In: a frame and its pcap link type, or a payload. Out: summaries, or null / 'malformed' / 'invalid'.
 * `decodeFrame` fills a reused `DecodedFrame` with numbers and offsets (the import path: nothing is
 * allocated per packet); `decodePacket` adds the text forms.
 * Pure: no I/O, no clock, and no input makes a decoder throw.
 * Called by capture/ and flow/; imports nothing of ours but the leaves.
 */
export { LinkType, type PacketSummary, type ArpSummary, type DecodeResult } from './packet.js';
export { decodePacket, decodeFrame } from './decode-packet.js';
export { DecodedFrame, FrameKind } from './decoded-frame.js';
export { formatIpv4, formatIpv6 } from './ip/format-ip.js';
export { formatMac } from './link/format-mac.js';
export { decodeDnsMessage, type DnsMessage, type DnsQuestion, type DnsAnswer } from './dns.js';
export { dnsTypeName, dnsRcodeName } from './dns-names.js';
export { splitDnsOverTcp, type DnsOverTcpSplit } from './dns-over-tcp.js';
export { parseTlsClientHello } from './tls-client-hello.js';
export { parseTlsServerFlight } from './tls-server-flight.js';
export { isGrease, tlsVersionName, type TlsParse, type TlsClientHello, type TlsServerInfo } from './tls.js';
export { computeJa3, computeJa3s } from './ja3.js';
export { computeJa4 } from './ja4.js';
export { parseHttpRequestHost, parseHttpRequestStart, type HttpRequestStart } from './http-host.js';
export { decodeDhcp, type DhcpInfo } from './dhcp.js';
