import { describe, expect, it } from 'vitest';
import {
  buildDhcpMessage,
  buildHttpRequest,
  buildHttpResponse,
  buildNtpPacket,
  buildSshEcdhReply,
  buildSshKexInit,
  buildSshPacket,
  type DhcpMessageOptions,
} from './app-payloads.js';

/** DHCP options after the magic cookie, as code → value. */
function dhcpOptions(message: Buffer): Map<number, Buffer> {
  expect(message.readUInt32BE(236)).toBe(0x63825363);
  const options = new Map<number, Buffer>();
  for (let at = 240; at < message.length;) {
    const code = message[at]!;
    if (code === 255) break;
    if (code === 0) {
      at++;
      continue;
    }
    const length = message[at + 1]!;
    options.set(code, message.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return options;
}

describe('buildHttpRequest and buildHttpResponse', () => {
  it('writes the request line, Host first, then the headers in order', () => {
    const request = buildHttpRequest({
      host: 'detectportal.firefox.com',
      path: '/canonical.html',
      headers: [['Accept', '*/*']],
    });
    expect(request.toString('latin1')).toBe(
      'GET /canonical.html HTTP/1.1\r\nHost: detectportal.firefox.com\r\nAccept: */*\r\n\r\n',
    );
  });

  it('sets Content-Length from the body', () => {
    const response = buildHttpResponse({
      status: 200,
      reason: 'OK',
      headers: [['Server', 'nginx']],
      body: Buffer.from('hello'),
    });
    expect(response.toString('latin1')).toBe(
      'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(buildHttpResponse({ status: 204, reason: 'No Content' }).toString('latin1')).toBe(
      'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n',
    );
    const post = buildHttpRequest({ method: 'POST', host: 'a.example', path: '/', body: Buffer.from('x=1') });
    expect(post.toString('latin1')).toMatch(/Content-Length: 3\r\n\r\nx=1$/);
  });
});

describe('buildDhcpMessage', () => {
  const request: DhcpMessageOptions = {
    type: 'REQUEST',
    xid: 0x12345678,
    clientMac: 'f8:bc:12:a4:07:5d',
    sendClientId: true,
    requestedAddr: '192.168.1.31',
    serverId: '192.168.1.1',
    hostname: 'DESKTOP-7Q2LM4K',
    vendorClass: 'MSFT 5.0',
    parameterRequestList: [1, 3, 6, 15],
    maxMessageSize: 1500,
  };

  it('writes a BOOTREQUEST with the client MAC, hostname, vendor class, requested address and parameter list', () => {
    const message = buildDhcpMessage(request);
    expect(message.length).toBeGreaterThanOrEqual(300);
    expect([...message.subarray(0, 4)]).toEqual([1, 1, 6, 0]);
    expect(message.readUInt32BE(4)).toBe(0x12345678);
    expect(message.subarray(28, 34).toString('hex')).toBe('f8bc12a4075d');
    const options = dhcpOptions(message);
    expect([...options.get(53)!]).toEqual([3]);
    expect(options.get(12)!.toString('latin1')).toBe('DESKTOP-7Q2LM4K');
    expect(options.get(60)!.toString('latin1')).toBe('MSFT 5.0');
    expect([...options.get(50)!]).toEqual([192, 168, 1, 31]);
    expect([...options.get(54)!]).toEqual([192, 168, 1, 1]);
    expect([...options.get(55)!]).toEqual([1, 3, 6, 15]);
    expect(options.get(61)!.toString('hex')).toBe('01f8bc12a4075d');
    expect(options.get(57)!.readUInt16BE(0)).toBe(1500);
  });

  it('writes a BOOTREPLY offer with the lease, renewal times, mask, router, DNS and domain', () => {
    const offer = buildDhcpMessage({
      type: 'OFFER',
      xid: 1,
      clientMac: 'f8:bc:12:a4:07:5d',
      yourAddr: '192.168.1.31',
      serverId: '192.168.1.1',
      leaseTimeS: 86_400,
      subnetMask: '255.255.255.0',
      router: '192.168.1.1',
      dnsServers: ['192.168.1.1', '192.0.2.53'],
      domainName: 'lan',
    });
    expect(offer[0]).toBe(2);
    expect([...offer.subarray(16, 20)]).toEqual([192, 168, 1, 31]);
    const options = dhcpOptions(offer);
    expect([...options.get(53)!]).toEqual([2]);
    expect([51, 58, 59].map((code) => options.get(code)!.readUInt32BE(0))).toEqual([86_400, 43_200, 75_600]);
    expect([...options.get(6)!]).toEqual([192, 168, 1, 1, 192, 0, 2, 53]);
    expect(options.get(15)!.toString()).toBe('lan');
    expect(options.has(12)).toBe(false);
  });

  it('sets the broadcast flag and ciaddr when asked', () => {
    const renew = buildDhcpMessage({
      type: 'REQUEST',
      xid: 2,
      clientMac: '00:11:32:8e:4f:12',
      clientAddr: '192.168.1.10',
      broadcast: true,
    });
    expect(renew.readUInt16BE(10)).toBe(0x8000);
    expect([...renew.subarray(12, 16)]).toEqual([192, 168, 1, 10]);
  });
});

describe('buildNtpPacket', () => {
  const ntpSeconds = (packet: Buffer, at: number): number =>
    packet.readUInt32BE(at) - 2_208_988_800 + packet.readUInt32BE(at + 4) / 2 ** 32;

  it('writes a version 4 client request with only the transmit time set', () => {
    const packet = buildNtpPacket({ mode: 'client', transmitUs: 1_715_709_600_250_000 });
    expect(packet.length).toBe(48);
    expect(packet[0]).toBe(0x23);
    expect(packet.subarray(16, 40).every((b) => b === 0)).toBe(true);
    expect(ntpSeconds(packet, 40)).toBeCloseTo(1_715_709_600.25, 6);
  });

  it('writes a server reply echoing the client transmit time as its origin', () => {
    const packet = buildNtpPacket({
      mode: 'server',
      stratum: 2,
      referenceId: '192.0.2.1',
      referenceUs: 1_715_709_000_000_000,
      originUs: 1_715_709_600_250_000,
      receiveUs: 1_715_709_600_260_000,
      transmitUs: 1_715_709_600_260_050,
    });
    expect(packet[0]).toBe(0x24);
    expect(packet[1]).toBe(2);
    expect([...packet.subarray(12, 16)]).toEqual([192, 0, 2, 1]);
    expect(ntpSeconds(packet, 24)).toBeCloseTo(1_715_709_600.25, 6);
    expect(ntpSeconds(packet, 40)).toBeCloseTo(1_715_709_600.26005, 6);
  });
});

describe('SSH packets', () => {
  it('pads binary packets to a multiple of 8 with at least 4 bytes of padding', () => {
    for (let payloadLength = 0; payloadLength < 40; payloadLength++) {
      const packet = buildSshPacket(Buffer.alloc(payloadLength, 1), Buffer.from('pad'));
      const paddingLength = packet[4]!;
      expect(packet.length % 8).toBe(0);
      expect(paddingLength).toBeGreaterThanOrEqual(4);
      expect(packet.readUInt32BE(0)).toBe(packet.length - 4);
      expect(1 + payloadLength + paddingLength).toBe(packet.readUInt32BE(0));
    }
  });

  it('writes KEXINIT name-lists as length-prefixed comma-separated strings', () => {
    const kexInit = buildSshKexInit({
      cookie: Buffer.alloc(16, 7),
      kexAlgorithms: ['curve25519-sha256', 'ext-info-c'],
      hostKeyAlgorithms: ['ssh-ed25519'],
      ciphers: ['aes128-ctr'],
      macs: ['hmac-sha2-256'],
    });
    expect(kexInit[0]).toBe(20);
    const first = kexInit.readUInt32BE(17);
    expect(kexInit.toString('latin1', 21, 21 + first)).toBe('curve25519-sha256,ext-info-c');
    expect(kexInit.subarray(-5).toString('hex')).toBe('0000000000');
  });

  it('wraps the ECDH reply host key and signature as ssh-ed25519 blobs', () => {
    const reply = buildSshEcdhReply({
      hostKey: Buffer.alloc(32, 1),
      serverKey: Buffer.alloc(32, 2),
      signature: Buffer.alloc(64, 3),
    });
    expect(reply[0]).toBe(31);
    expect(reply.readUInt32BE(1)).toBe(4 + 11 + 4 + 32);
    expect(reply.toString('latin1', 9, 20)).toBe('ssh-ed25519');
    expect(reply.length).toBe(1 + 4 + 51 + 4 + 32 + 4 + 4 + 11 + 4 + 64);
  });
});
