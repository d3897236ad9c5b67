import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCertificateDer, sha1Hex, type CertificateOptions } from './x509-certificate.js';

const OPTIONS: CertificateOptions = {
  commonName: 'update7.synology.com',
  organization: 'Example Org',
  dnsNames: ['update7.synology.com', 'www.update7.synology.com'],
  serial: 0xc0ffee,
  notBeforeMs: Date.UTC(2024, 0, 15),
  notAfterMs: Date.UTC(2025, 0, 15),
  keySeed: Buffer.alloc(32, 0x42),
};

describe('buildCertificateDer', () => {
  const der = buildCertificateDer(OPTIONS);
  const certificate = new X509Certificate(der);

  it('builds a certificate that Node (OpenSSL) parses, with the subject, names, serial and dates given', () => {
    expect(certificate.subject).toBe('O=Example Org\nCN=update7.synology.com');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.subjectAltName).toBe('DNS:update7.synology.com, DNS:www.update7.synology.com');
    expect(certificate.serialNumber).toBe('C0FFEE');
    expect(new Date(certificate.validFrom).getTime()).toBe(OPTIONS.notBeforeMs);
    expect(new Date(certificate.validTo).getTime()).toBe(OPTIONS.notAfterMs);
    expect(certificate.ca).toBe(false);
  });

  it('is signed by its own Ed25519 key', () => {
    expect(certificate.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(certificate.verify(certificate.publicKey)).toBe(true);
  });

  it('gives the same bytes, and so the same SHA1, every time', () => {
    const again = buildCertificateDer(OPTIONS);
    expect(again).toEqual(der);
    expect(sha1Hex(again)).toBe(certificate.fingerprint.replace(/:/g, '').toLowerCase());
  });

  it('changes with the key seed', () => {
    expect(sha1Hex(buildCertificateDer({ ...OPTIONS, keySeed: Buffer.alloc(32, 0x43) }))).not.toBe(
      sha1Hex(der),
    );
  });

  it('uses GeneralizedTime for dates from 2050 on, as RFC 5280 requires', () => {
    const late = new X509Certificate(buildCertificateDer({ ...OPTIONS, notAfterMs: Date.UTC(2051, 5, 1) }));
    expect(new Date(late.validTo).getTime()).toBe(Date.UTC(2051, 5, 1));
  });

  it('leaves out subjectAltName and the organisation when not given', () => {
    const bare = new X509Certificate(
      buildCertificateDer({ ...OPTIONS, dnsNames: [], organization: undefined, serial: 0x80 }),
    );
    expect(bare.subjectAltName).toBeUndefined();
    expect(bare.subject).toBe('CN=update7.synology.com');
    // 0x80 needs a leading zero byte to stay positive; a parser that reads it shows 80.
    expect(bare.serialNumber).toBe('80');
  });
});
