import { createSocket, type Socket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyslogChannelConfig } from '../../../config/index.js';
import { fixedSample, hostileDigest, sendOptions } from '../testing.js';
import { createSyslogNotifier, SD_ID } from './syslog.js';

/**
 * RFC 5424's ABNF as one strict expression: PRI, VERSION 1, an RFC 3339 timestamp, HOSTNAME,
 * APP-NAME, PROCID, MSGID (printable US-ASCII, lengths capped), structured data whose values escape
 * '"', '\' and ']', then a UTF-8 message that starts with the BOM.
 */
const SD_PARAM = '[^= \\]"]{1,32}="(?:[^"\\\\\\]]|\\\\["\\\\\\]])*"';
const RFC5424 = new RegExp(
  '^<(\\d{1,3})>1 ' +
    '(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,6})?(?:Z|[+-]\\d\\d:\\d\\d)) ' +
    '([\\x21-\\x7e]{1,255}) ([\\x21-\\x7e]{1,48}) ([\\x21-\\x7e]{1,128}) ([\\x21-\\x7e]{1,32}) ' +
    `(-|(?:\\[[^= \\]"]{1,32}(?: ${SD_PARAM})*\\])+)` +
    '(?: \\ufeff([\\s\\S]*))?$',
  'u',
);

function parse(line: string): {
  pri: number;
  host: string;
  app: string;
  msgid: string;
  sd: string;
  msg: string;
} {
  const match = RFC5424.exec(line);
  expect(match, `not RFC 5424: ${line}`).not.toBeNull();
  return {
    pri: Number(match![1]),
    host: match![3]!,
    app: match![4]!,
    msgid: match![6]!,
    sd: match![7]!,
    msg: match![8] ?? '',
  };
}

const config = (port: number, protocol: 'udp' | 'tcp', facility = 'local0'): SyslogChannelConfig => ({
  type: 'syslog',
  host: '127.0.0.1',
  port,
  protocol,
  facility,
  appName: 'yamori',
  secretEnv: {},
});

const deps = { hostname: 'attic-router', pid: 4242, now: () => Date.UTC(2026, 11, 7, 6, 31, 2, 345) };

describe('createSyslogNotifier over UDP', () => {
  let socket: Socket;
  let port: number;
  const datagrams: Buffer[] = [];
  beforeAll(async () => {
    socket = createSocket('udp4');
    socket.on('message', (message) => datagrams.push(message));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    port = socket.address().port;
  });
  afterAll(() => socket.close());

  const next = async (count: number): Promise<string> => {
    const deadline = Date.now() + 5_000;
    while (datagrams.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(datagrams.length).toBe(count);
    return datagrams[count - 1]!.toString('utf8');
  };

  it('sends one RFC 5424 datagram with severity, structured data and the message', async () => {
    await createSyslogNotifier('siem', config(port, 'udp'), deps).send(
      fixedSample(),
      sendOptions('alert-3:siem:1'),
    );
    const line = parse(await next(1));
    expect(line.pri).toBe(16 * 8 + 3);
    expect(line.host).toBe('attic-router');
    expect(line.app).toBe('yamori');
    expect(line.msgid).toBe('test');
    expect(line.sd).toContain(`[${SD_ID} kind="test" severity="high" idempotency_key="alert-3:siem:1"`);
    expect(line.sd).toContain('alert_id="test-0000000000000001"');
    expect(line.sd).toContain('device="kids-tablet" remote="203.0.113.9"');
    expect(line.msg).toMatch(
      /^\[HIGH\] Test: kids-tablet contacted C2 203\.0\.113\.9 \(qakbot\) — kids-tablet talked to/,
    );
    expect(datagrams[0]!.toString('utf8')).toMatch(
      /^<131>1 2026-12-07T06:31:02\.345Z attic-router yamori 4242 test \[/,
    );
  });

  it.each([
    ['critical', 2],
    ['medium', 4],
    ['low', 5],
    ['info', 6],
  ] as const)(
    'maps severity %s to syslog severity %i, with the facility configured',
    async (severity, code) => {
      const count = datagrams.length + 1;
      await createSyslogNotifier('siem', config(port, 'udp', 'auth'), deps).send(
        { ...fixedSample(), severity },
        sendOptions(),
      );
      expect(parse(await next(count)).pri).toBe(4 * 8 + code);
    },
  );

  it('escapes structured-data values and keeps a large digest within one 2048-byte datagram', async () => {
    const count = datagrams.length + 1;
    const digest = hostileDigest(80);
    digest.alerts[0]!.device!.name = 'quote" back\\slash ]bracket';
    await createSyslogNotifier('siem', config(port, 'udp'), deps).send(digest, sendOptions());
    const raw = await next(count);
    expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(2048);
    const line = parse(raw);
    expect(line.sd).toContain('device="quote\\" back\\\\slash \\]bracket"');
  });
});

describe('createSyslogNotifier over TCP', () => {
  let server: Server;
  let port: number;
  const streams: Buffer[] = [];
  beforeAll(async () => {
    server = createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => streams.push(Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** RFC 6587 octet counting: "LEN SP MSG", repeated. */
  function frames(stream: Buffer): string[] {
    const out: string[] = [];
    let at = 0;
    while (at < stream.length) {
      const space = stream.indexOf(0x20, at);
      const length = Number(stream.subarray(at, space).toString('ascii'));
      expect(Number.isInteger(length) && length > 0).toBe(true);
      out.push(stream.subarray(space + 1, space + 1 + length).toString('utf8'));
      at = space + 1 + length;
    }
    expect(at).toBe(stream.length);
    return out;
  }

  it('frames each message with its octet count', async () => {
    const notifier = createSyslogNotifier('siem', config(port, 'tcp'), deps);
    await notifier.send(fixedSample(), sendOptions());
    await notifier.send(hostileDigest(3), sendOptions());
    const deadline = Date.now() + 5_000;
    while (streams.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const all = streams.flatMap(frames);
    expect(all).toHaveLength(2);
    expect(parse(all[0]!).msgid).toBe('test');
    expect(parse(all[1]!).msgid).toBe('digest');
    expect(parse(all[1]!).pri).toBe(16 * 8 + 2);
  });

  it('reports a refused connection as retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await createSyslogNotifier('siem', config(closedPort, 'tcp'), deps)
      .send(fixedSample(), sendOptions())
      .catch((error: unknown) => error as { permanent: boolean; message: string });
    expect(failure).toMatchObject({ permanent: false });
    expect((failure as { message: string }).message).toContain('ECONNREFUSED');
  });
});
