/**
 * Builds a real, self-signed X.509 v3 certificate in DER, signed with Ed25519. Ed25519 signatures are
 * deterministic, so the same inputs always give the same bytes and the same SHA1: a sample capture can
 * name the certificate's fingerprint ahead of time, and OpenSSL or Wireshark parse it as a certificate.
 */
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';

export interface CertificateOptions {
  commonName: string;
  organization?: string;
  /** DNS names for subjectAltName; none when empty. */
  dnsNames?: readonly string[];
  serial: number;
  notBeforeMs: number;
  notAfterMs: number;
  /** 32 bytes from which the Ed25519 key pair is derived. */
  keySeed: Uint8Array;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ed25519: '1.3.101.112',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
} as const;

/** PKCS#8 wrapping of a raw Ed25519 private key (RFC 8410), up to the 32 key bytes. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function buildCertificateDer(options: CertificateOptions): Buffer {
  if (options.keySeed.length !== 32) throw new RangeError('keySeed must be 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, options.keySeed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const name = distinguishedName(options.commonName, options.organization);
  const signatureAlgorithm = sequence(oid(OID.ed25519));

  const extensions = [extension(OID.basicConstraints, true, sequence())];
  if (options.dnsNames?.length) {
    const generalNames = options.dnsNames.map((dnsName) => tlv(0x82, Buffer.from(dnsName, 'ascii')));
    extensions.push(extension(OID.subjectAltName, false, sequence(...generalNames)));
  }
  const tbs = sequence(
    tlv(0xa0, integer(2)),
    integer(options.serial),
    signatureAlgorithm,
    name,
    sequence(time(options.notBeforeMs), time(options.notAfterMs)),
    name,
    spki,
    tlv(0xa3, sequence(...extensions)),
  );
  const signature = sign(null, tbs, privateKey);
  return sequence(tbs, signatureAlgorithm, tlv(0x03, Buffer.concat([Buffer.of(0), signature])));
}

export function sha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function distinguishedName(commonName: string, organization: string | undefined): Buffer {
  const rdns = [];
  if (organization)
    rdns.push(tlv(0x31, sequence(oid(OID.organization), tlv(0x0c, Buffer.from(organization)))));
  rdns.push(tlv(0x31, sequence(oid(OID.commonName), tlv(0x0c, Buffer.from(commonName)))));
  return sequence(...rdns);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  const parts = [oid(id)];
  if (critical) parts.push(tlv(0x01, Buffer.of(0xff)));
  parts.push(tlv(0x04, value));
  return sequence(...parts);
}

/** UTCTime until 2049, GeneralizedTime after, as RFC 5280 requires. */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = Number(digits.slice(0, 4));
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

function integer(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function sequence(...parts: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(parts));
}

function tlv(tag: number, value: Buffer): Buffer {
  const length = value.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.of(tag, length);
  else if (length < 0x100) header = Buffer.of(tag, 0x81, length);
  else header = Buffer.of(tag, 0x82, length >> 8, length & 0xff);
  return Buffer.concat([header, value]);
}
