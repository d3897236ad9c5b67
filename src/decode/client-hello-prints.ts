import { computeJa3 } from './ja3.js';
import { computeJa4 } from './ja4.js';
import type { TlsClientHello } from './tls.js';

/** A parsed ClientHello before its fingerprints are known. */
export type PrintInput = Omit<TlsClientHello, 'ja3' | 'ja3String' | 'ja4'>;

interface Prints {
  ja3: string;
  ja3String: string;
  ja4: string;
}

interface Entry extends Prints {
  /** Everything the fingerprints depend on, to confirm a hit. */
  legacyVersion: number;
  supportedVersions: readonly number[];
  cipherSuites: readonly number[];
  extensions: readonly number[];
  supportedGroups: readonly number[];
  ecPointFormats: readonly number[];
  signatureAlgorithms: readonly number[];
  firstAlpn: string | undefined;
}

/** Distinct ClientHello shapes remembered; a household has a few dozen TLS client builds. */
const MAX_ENTRIES = 4096;

/**
 * JA3 and JA4 of ClientHellos, remembered by what they are computed from. The same few clients
 * connect again and again with the same lists, and building the fingerprint texts and hashing them
 * costs more than parsing the hello, so a repeat is a hash of the lists, a lookup and a comparison.
 * A hit is confirmed list by list, so a hash collision can cost time but never a wrong fingerprint.
 * Bounded (cleared when full); changes speed only, never results.
 */
export class ClientHelloPrints {
  private readonly entries = new Map<number, Entry>();

  /** `hashShape` is replaceable so that tests can make every shape collide. */
  constructor(private readonly hashShape: (hello: PrintInput) => number = shapeHash) {}

  of(hello: PrintInput): Prints {
    const key = this.hashShape(hello);
    const known = this.entries.get(key);
    if (known !== undefined && isSameShape(known, hello)) return known;
    const { ja3, ja3String } = computeJa3(hello);
    const entry: Entry = {
      ja3,
      ja3String,
      ja4: computeJa4(hello),
      // Copies: the lists also go to the caller, who may change them.
      legacyVersion: hello.legacyVersion,
      supportedVersions: hello.supportedVersions.slice(),
      cipherSuites: hello.cipherSuites.slice(),
      extensions: hello.extensions.slice(),
      supportedGroups: hello.supportedGroups.slice(),
      ecPointFormats: hello.ecPointFormats.slice(),
      signatureAlgorithms: hello.signatureAlgorithms.slice(),
      firstAlpn: hello.alpn[0],
    };
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, entry);
    return entry;
  }
}

function mixList(h: number, values: readonly number[]): number {
  let hash = Math.imul(h ^ values.length, 0x9e3779b1);
  for (let i = 0; i < values.length; i++) hash = Math.imul(hash ^ values[i]!, 0x85ebca6b) ^ (hash >>> 13);
  return hash;
}

function shapeHash(hello: PrintInput): number {
  let h = hello.legacyVersion;
  h = mixList(h, hello.supportedVersions);
  h = mixList(h, hello.cipherSuites);
  h = mixList(h, hello.extensions);
  h = mixList(h, hello.supportedGroups);
  h = mixList(h, hello.ecPointFormats);
  h = mixList(h, hello.signatureAlgorithms);
  const alpn = hello.alpn[0];
  if (alpn !== undefined) {
    h = Math.imul(h ^ alpn.length, 0xc2b2ae35);
    for (let i = 0; i < alpn.length; i++) h = Math.imul(h ^ alpn.charCodeAt(i), 0x27d4eb2f);
  }
  return h ^ (h >>> 16);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isSameShape(entry: Entry, hello: PrintInput): boolean {
  return (
    entry.legacyVersion === hello.legacyVersion &&
    entry.firstAlpn === hello.alpn[0] &&
    sameList(entry.cipherSuites, hello.cipherSuites) &&
    sameList(entry.extensions, hello.extensions) &&
    sameList(entry.supportedVersions, hello.supportedVersions) &&
    sameList(entry.supportedGroups, hello.supportedGroups) &&
    sameList(entry.ecPointFormats, hello.ecPointFormats) &&
    sameList(entry.signatureAlgorithms, hello.signatureAlgorithms)
  );
}
