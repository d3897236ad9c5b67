/**
 * The application sessions of the home-network script: an HTTPS visit (TLS 1.3, or TLS 1.2 with the
 * certificate in the clear), a plain HTTP request, and an interactive SSH login. Each runs on a
 * TcpConversation and yields frames in time order.
 */
import {
  buildSshEcdhInit,
  buildSshEcdhReply,
  buildSshIdentification,
  buildSshKexInit,
  buildSshPacket,
  SshMessage,
} from './app-payloads.js';
import type { TimedFrame } from './pcap-writer.js';
import type { SeededRandom } from './seeded-random.js';
import type { TcpConversation } from './tcp-conversation.js';
import {
  buildApplicationData,
  buildClientHello,
  buildServerHelloTls13,
  buildTls12ClientFinish,
  buildTls12ServerFinish,
  buildTls12ServerFlight,
} from './tls-handshake.js';

export interface HttpsVisitOptions {
  conversation: TcpConversation;
  rng: SeededRandom;
  serverName: string | null;
  alpn?: readonly string[];
  grease?: boolean;
  /** When given, the server speaks TLS 1.2 and sends this DER certificate in the clear; TLS 1.3 otherwise. */
  tls12Certificate?: Uint8Array;
  /** [request bytes, response bytes] for each exchange after the handshake. */
  exchanges: readonly (readonly [number, number])[];
  /** Pause between exchanges. */
  thinkUs: number;
  /** Who sends the first FIN; 'none' leaves the connection open. */
  closeBy: 'client' | 'server' | 'none';
}

export function* httpsVisit(options: HttpsVisitOptions): Generator<TimedFrame> {
  const { conversation: tcp, rng } = options;
  yield* tcp.open();
  const sessionId = rng.bytes(32);
  const hello = buildClientHello({
    serverName: options.serverName,
    alpn: options.alpn,
    grease: options.grease,
    greaseSeed: rng.int(0, 15),
    random: rng.bytes(32),
    sessionId,
    keyShare: rng.bytes(32),
  });
  yield* tcp.clientSends(hello, { acked: false });
  const serverDelayUs = tcp.rttUs + rng.int(500, 8_000);
  if (options.tls12Certificate) {
    const flight = buildTls12ServerFlight({
      random: rng.bytes(32),
      sessionId: rng.bytes(32),
      certificates: [options.tls12Certificate],
      keyShare: rng.bytes(32),
      signature: rng.bytes(64),
      alpn: options.alpn?.[0] ?? null,
    });
    yield* tcp.serverSends(flight, { delayUs: serverDelayUs });
    yield* tcp.clientSends(buildTls12ClientFinish({ keyShare: rng.bytes(32), finished: rng.bytes(40) }), {
      delayUs: rng.int(300, 3_000),
      acked: false,
    });
    yield* tcp.serverSends(buildTls12ServerFinish({ finished: rng.bytes(40) }));
  } else {
    const flight = Buffer.concat([
      buildServerHelloTls13({ random: rng.bytes(32), sessionId, keyShare: rng.bytes(32) }),
      buildApplicationData(rng.bytes(rng.int(20, 40))), // EncryptedExtensions
      buildApplicationData(rng.bytes(rng.int(2_400, 4_200))), // Certificate
      buildApplicationData(rng.bytes(rng.int(80, 280))), // CertificateVerify
      buildApplicationData(rng.bytes(53)), // Finished
    ]);
    yield* tcp.serverSends(flight, { delayUs: serverDelayUs });
    yield* tcp.clientSends(
      Buffer.concat([Buffer.from('140303000101', 'hex'), buildApplicationData(rng.bytes(53))]),
      {
        delayUs: rng.int(300, 3_000),
        acked: false,
      },
    );
  }
  for (let i = 0; i < options.exchanges.length; i++) {
    const [requestBytes, responseBytes] = options.exchanges[i]!;
    yield* tcp.clientSends(buildApplicationData(rng.bytes(requestBytes)), {
      delayUs: i === 0 ? rng.int(100, 1_000) : options.thinkUs,
      acked: responseBytes === 0,
    });
    if (responseBytes > 0) {
      yield* tcp.serverSends(buildApplicationData(rng.bytes(responseBytes)), {
        delayUs: tcp.rttUs + rng.int(1_000, 30_000),
      });
    }
  }
  if (options.closeBy === 'client') yield* tcp.closeFromClient(rng.int(50_000, 2_000_000));
  else if (options.closeBy === 'server') yield* tcp.closeFromServer(tcp.rttUs + rng.int(50_000, 500_000));
}

/** An HTTP/1.1 request and response on a fresh connection, closed by the server (Connection: close). */
export function* httpVisit(
  tcp: TcpConversation,
  rng: SeededRandom,
  request: Uint8Array,
  response: Uint8Array,
): Generator<TimedFrame> {
  yield* tcp.open();
  yield* tcp.clientSends(request, { delayUs: rng.int(100, 600), acked: false });
  yield* tcp.serverSends(response, { delayUs: tcp.rttUs + rng.int(2_000, 20_000) });
  yield* tcp.closeFromServer(rng.int(100, 2_000));
}

export interface SshSessionOptions {
  tcp: TcpConversation;
  rng: SeededRandom;
  /** When the user types "exit". */
  endUs: number;
}

/**
 * An interactive SSH login: identification strings, key exchange in the clear (KEXINIT, ECDH, NEWKEYS),
 * then encrypted packets — keystrokes echoed by the server, and now and then a screenful of output.
 */
export function* sshSession(options: SshSessionOptions): Generator<TimedFrame> {
  const { tcp, rng } = options;
  const padding = rng.bytes(16);
  yield* tcp.open();
  yield* tcp.serverSends(buildSshIdentification('SSH-2.0-OpenSSH_8.2p1'), {
    delayUs: rng.int(2_000, 6_000),
    acked: false,
  });
  yield* tcp.clientSends(buildSshIdentification('SSH-2.0-OpenSSH_for_Windows_9.5'), {
    delayUs: 300,
    acked: false,
  });
  const kexInit = (cookie: Uint8Array): Uint8Array =>
    buildSshPacket(
      buildSshKexInit({
        cookie,
        kexAlgorithms: [
          'curve25519-sha256',
          'curve25519-sha256@libssh.org',
          'ecdh-sha2-nistp256',
          'ext-info-c',
        ],
        hostKeyAlgorithms: ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512'],
        ciphers: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-gcm@openssh.com'],
        macs: ['umac-64-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'hmac-sha2-256'],
      }),
      padding,
    );
  yield* tcp.clientSends(kexInit(rng.bytes(16)), { delayUs: 200, acked: false });
  yield* tcp.serverSends(kexInit(rng.bytes(16)), { acked: false });
  yield* tcp.clientSends(buildSshPacket(buildSshEcdhInit(rng.bytes(32)), padding), {
    delayUs: 500,
    acked: false,
  });
  const reply = buildSshEcdhReply({
    hostKey: rng.bytes(32),
    serverKey: rng.bytes(32),
    signature: rng.bytes(64),
  });
  const newKeys = buildSshPacket(Buffer.of(SshMessage.NEWKEYS), padding);
  yield* tcp.serverSends(Buffer.concat([buildSshPacket(reply, padding), newKeys]), {
    delayUs: tcp.rttUs + rng.int(2_000, 5_000),
    acked: false,
  });
  yield* tcp.clientSends(newKeys, { delayUs: 800, acked: false });
  // Encrypted with chacha20-poly1305: 4-byte length, payload padded to 8, 16-byte tag.
  const encrypted = (payloadBytes: number): Uint8Array => rng.bytes(4 + Math.ceil(payloadBytes / 8) * 8 + 16);
  const authentication: [number, number][] = [
    [28, 28],
    [60, 48],
    [412, 36],
    [120, 28],
    [500, 900],
  ];
  for (const [request, response] of authentication) {
    yield* tcp.clientSends(encrypted(request), { delayUs: rng.int(500, 20_000), acked: false });
    yield* tcp.serverSends(encrypted(response), { delayUs: tcp.rttUs + rng.int(500, 30_000) });
  }
  while (tcp.clock.us < options.endUs) {
    yield* tcp.clientSends(encrypted(16), { delayUs: rng.int(150_000, 6_000_000), acked: false });
    const output = rng.next() < 0.12 ? rng.int(400, 4_000) : 16;
    yield* tcp.serverSends(encrypted(output), { delayUs: tcp.rttUs + rng.int(200, 3_000) });
  }
  yield* tcp.closeFromClient(rng.int(1_000, 20_000));
}
