import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { generate } from 'selfsigned';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailChannelConfig } from '../../../config/index.js';
import { DeliveryFailure } from '../notification.js';
import { fixedSample, sendOptions } from '../testing.js';
import { createEmailNotifier, messageIdFor } from './email.js';

interface Received {
  mail: ParsedMail;
  from: string;
  to: string[];
  secured: boolean;
  user: string | undefined;
}

interface SmtpHarness {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 with STARTTLS on a certificate made for this test run. */
async function startSmtp(
  options: Partial<SMTPServerOptions>,
  cert: { key: string; cert: string },
): Promise<SmtpHarness> {
  const received: Received[] = [];
  const server = new SMTPServer({
    key: cert.key,
    cert: cert.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'alerts' && auth.password === 'smtp-pass-789')
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            mail,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            secured: session.secure,
            user: session.user as string | undefined,
          });
          callback();
        })
        .catch(callback);
    },
    logger: false,
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('createEmailNotifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yamori-email-'));
  const caFile = join(dir, 'ca.pem');
  let cert: { key: string; cert: string };
  let smtp: SmtpHarness;

  const config = (port: number, extra: Partial<EmailChannelConfig> = {}): EmailChannelConfig => ({
    type: 'email',
    host: '127.0.0.1',
    port,
    secure: false,
    starttls: 'required',
    user: 'alerts',
    password: 'smtp-pass-789',
    from: 'Yamori <yamori@home.example>',
    to: ['owner@home.example', 'second@home.example'],
    tlsCaFile: caFile,
    secretEnv: {},
    ...extra,
  });

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    cert = { key: pems.private, cert: pems.cert };
    writeFileSync(caFile, pems.cert);
    smtp = await startSmtp({}, cert);
  });
  afterAll(async () => smtp.close());

  it('delivers a text and HTML mail over STARTTLS, logged in, with the Message-ID from the key', async () => {
    await createEmailNotifier('mail', config(smtp.port)).send(fixedSample(), sendOptions('alert-7:mail:1'));
    const got = smtp.received.at(-1)!;
    expect(got.secured).toBe(true);
    expect(got.user).toBe('alerts');
    expect(got.from).toBe('yamori@home.example');
    expect(got.to).toEqual(['owner@home.example', 'second@home.example']);
    const { mail } = got;
    expect(mail.subject).toBe('[HIGH] Test: kids-tablet contacted C2 203.0.113.9 (qakbot)');
    expect(mail.messageId).toBe(messageIdFor('alert-7:mail:1', 'Yamori <yamori@home.example>'));
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}\.yamori@home\.example>$/);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.headers.get('x-yamori-alert-ids')).toBe('test-0000000000000001');
    expect(mail.text).toContain('kids-tablet talked to 203.0.113.9');
    expect(mail.text).toContain('First seen: ');
    expect(mail.text).toContain('2026-12-07T06:16:00Z');
    expect(mail.text).toContain('unplug it');
    expect(mail.html).toContain('<strong>kids-tablet</strong>');
    expect(mail.html).toContain('href="https://yamori.lan:8080/alerts/test-0000000000000001"');
    expect(mail.html).toContain('href="https://feodotracker.abuse.ch/browse/host/203.0.113.9/"');
  });

  it('escapes HTML that users wrote', async () => {
    const sample = fixedSample();
    const notice = sample.alerts[0]!;
    await createEmailNotifier('mail', config(smtp.port)).send(
      {
        ...sample,
        alerts: [{ ...notice, device: { ...notice.device!, name: '<img src=x onerror=alert(1)>' } }],
      },
      sendOptions(),
    );
    const { mail } = smtp.received.at(-1)!;
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).not.toContain('<img');
  });

  it('refuses to send in the clear when STARTTLS is required but not offered (permanent)', async () => {
    const plain = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true }, cert);
    try {
      const failure = await createEmailNotifier('mail', config(plain.port))
        .send(fixedSample(), sendOptions())
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DeliveryFailure);
      expect((failure as DeliveryFailure).permanent).toBe(true);
      expect(plain.received).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });

  it('reports a wrong password as permanent without the password in the message', async () => {
    const failure = await createEmailNotifier('mail', config(smtp.port, { password: 'wrong-pass-000' }))
      .send(fixedSample(), sendOptions())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryFailure);
    expect((failure as DeliveryFailure).permanent).toBe(true);
    expect((failure as DeliveryFailure).message).not.toContain('wrong-pass-000');
  });

  it.each([
    [550, 'No such user here', true],
    [451, 'Try again later', false],
  ])('sorts a %i reply to a recipient (permanent: %s)', async (code, text, permanent) => {
    const picky = await startSmtp(
      {
        onRcptTo(_address, _session, callback) {
          callback(Object.assign(new Error(text), { responseCode: code }));
        },
      },
      cert,
    );
    try {
      const failure = await createEmailNotifier('mail', config(picky.port))
        .send(fixedSample(), sendOptions())
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DeliveryFailure);
      expect((failure as DeliveryFailure).permanent).toBe(permanent);
      expect((failure as DeliveryFailure).message).toContain(text);
    } finally {
      await picky.close();
    }
  });

  it('fails the certificate check without the CA file (permanent)', async () => {
    const failure = await createEmailNotifier('mail', config(smtp.port, { tlsCaFile: null }))
      .send(fixedSample(), sendOptions())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryFailure);
    expect((failure as DeliveryFailure).message).toMatch(/certificate/i);
  });

  it('is aborted by the signal when the server never greets', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const failure = await createEmailNotifier('mail', config(port))
        .send(fixedSample(), sendOptions('k', 300))
        .catch((error: unknown) => error);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(failure).toBeInstanceOf(DeliveryFailure);
      expect((failure as DeliveryFailure).permanent).toBe(false);
    } finally {
      silent.close();
    }
  });
});
