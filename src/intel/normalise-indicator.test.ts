import { SocketAddress } from 'node:net';
import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressToNumber, cidrToRange } from '../store/index.js';
import {
  detectIndicator,
  hostFromUrl,
  isHash,
  MAX_URL_LENGTH,
  normaliseAsn,
  normaliseCidr,
  normaliseDomain,
  normaliseEmail,
  normaliseHex,
  normaliseIp,
  normaliseIpv4,
  normalisePort,
  normaliseUrl,
  normaliseValue,
  stripBom,
  undefang,
} from './normalise-indicator.js';

const ipv6Text = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
  .map((groups) => groups.map((g) => g.toString(16)).join(':'));

describe('normaliseIpv4', () => {
  const cases: Array<[string, string | null]> = [
    ['192.0.2.1', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['010.0.0.1', null], // leading zero: octal to some tools
    ['256.0.0.1', null],
    ['1.2.3', null],
    ['1.2.3.4.5', null],
    ['1.2.3.', null],
    ['.1.2.3', null],
    [' 1.2.3.4', null],
    ['1.2.3.4/32', null],
    ['1.2.3.4:80', null],
    ['1111.2.3.4', null],
  ];
  it.each(cases)('reads %j as %j', (text, expected) => {
    expect(normaliseIpv4(text)).toBe(expected);
  });

  it('reads an address inside a longer text by its bounds', () => {
    expect(normaliseIpv4('ip=192.0.2.9;', 3, 12)).toBe('192.0.2.9');
  });
});

describe('normaliseIp', () => {
  const cases: Array<[string, { type: string; value: string } | null]> = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', { type: 'ipv6', value: '2001:db8::1' }],
    ['2001:db8:0:0:1:0:0:1', { type: 'ipv6', value: '2001:db8::1:0:0:1' }],
    ['2001:db8:0:1:1:1:1:1', { type: 'ipv6', value: '2001:db8:0:1:1:1:1:1' }],
    ['::', { type: 'ipv6', value: '::' }],
    ['::1', { type: 'ipv6', value: '::1' }],
    ['1::', { type: 'ipv6', value: '1::' }],
    ['fe80::abcd:ef01:0:0', { type: 'ipv6', value: 'fe80::abcd:ef01:0:0' }],
    ['64:ff9b::192.0.2.1', { type: 'ipv6', value: '64:ff9b::c000:201' }],
    ['::ffff:192.0.2.1', { type: 'ipv4', value: '192.0.2.1' }],
    ['::FFFF:c000:0201', { type: 'ipv4', value: '192.0.2.1' }],
    ['fe80::1%eth0', null],
    [':::', null],
    ['1::2::3', null],
    ['12345::', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['1:2:3:4:5:6:7', null],
    ['1:2:3:4:5:6:7:', null],
    [':1:2:3:4:5:6:7', null],
    ['::ffff:1.2.3', null],
    ['1.2.3.4::', null],
    ['g::1', null],
    ['', null],
  ];
  it.each(cases)('reads %j as %j', (text, expected) => {
    expect(normaliseIp(text)).toEqual(expected);
  });

  it('writes every IPv6 address as Node does (RFC 5952), and reads its own output back unchanged', () => {
    fc.assert(
      fc.property(ipv6Text, (text) => {
        const ours = normaliseIp(text);
        const groups = text.split(':').map((g) => parseInt(g, 16));
        // Node (inet_ntop) writes some ::/96 and ::ffff:0:0/96 addresses with a dotted tail; we map the second to IPv4.
        if (groups.slice(0, 5).every((g) => g === 0)) return;
        const node = new SocketAddress({ address: text, family: 'ipv6' }).address;
        expect(ours).toEqual({ type: 'ipv6', value: node });
        expect(normaliseIp(node)).toEqual(ours);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same number the store gives, for IPv4 and IPv6', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), ipv6Text), (text) => {
        const ours = normaliseIp(text);
        expect(ours).not.toBeNull();
        expect(addressToNumber(ours!.value)).toBe(addressToNumber(text));
      }),
    );
  });
});

describe('normaliseCidr', () => {
  const cases: Array<[string, { type: string; value: string } | null]> = [
    ['198.51.100.0/24', { type: 'cidr', value: '198.51.100.0/24' }],
    ['198.51.100.77/24', { type: 'cidr', value: '198.51.100.0/24' }],
    ['198.51.100.77/32', { type: 'ipv4', value: '198.51.100.77' }],
    ['198.51.100.77/024', { type: 'cidr', value: '198.51.100.0/24' }],
    ['224.0.0.0/3', { type: 'cidr', value: '224.0.0.0/3' }],
    ['10.1.2.3/0', { type: 'cidr', value: '0.0.0.0/0' }],
    ['198.51.100.77', { type: 'ipv4', value: '198.51.100.77' }],
    ['2001:DB8:abcd:12::/48', { type: 'cidr', value: '2001:db8:abcd::/48' }],
    ['2001:db8::1/128', { type: 'ipv6', value: '2001:db8::1' }],
    ['2001:db8:ffff:ffff::/33', { type: 'cidr', value: '2001:db8:8000::/33' }],
    ['::ffff:192.0.2.0/120', { type: 'cidr', value: '192.0.2.0/24' }],
    ['198.51.100.0/33', null],
    ['2001:db8::/129', null],
    ['198.51.100.0/', null],
    ['198.51.100.0/x', null],
    ['198.51.100.0/1234', null],
    ['/24', null],
    ['example.com/24', null],
  ];
  it.each(cases)('reads %j as %j', (text, expected) => {
    expect(normaliseCidr(text)).toEqual(expected);
  });

  it('gives a network that holds the address it was written with, and reads its own output back unchanged', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV4().map((a) => [a, 32] as const),
          ipv6Text.map((a) => [a, 128] as const),
        ),
        fc.nat(),
        ([address, bits], n) => {
          const prefix = n % (bits + 1);
          const result = normaliseCidr(`${address}/${prefix}`);
          expect(result).not.toBeNull();
          const range = cidrToRange(result!.value)!;
          const number = addressToNumber(address)!;
          expect(range.first <= number && number <= range.last).toBe(true);
          expect(normaliseCidr(result!.value)).toEqual(result);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('normaliseDomain', () => {
  const cases: Array<[string, string | null]> = [
    ['Evil.Example.COM', 'evil.example.com'],
    ['evil.example.com.', 'evil.example.com'],
    ['Bücher.example', 'xn--bcher-kva.example'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    [
      'www.original.com.br.original_internetbankiing.weps.gywps.website',
      'www.original.com.br.original_internetbankiing.weps.gywps.website',
    ],
    ['3.zhzy999.net3.zhzy999.net', '3.zhzy999.net3.zhzy999.net'],
    ['xn--zz.example', null], // malformed punycode
    ['localhost', null],
    ['com', null],
    ['1.2.3.4', null],
    ['1.2.3.999', null],
    ['a..example', null],
    ['.example.com', null],
    ['evil.example.com..', null],
    ['a%41.example', null],
    ['ex ample.com', null],
    ['*.example.com', null],
    ['http://example.com', null],
    [`${'a'.repeat(64)}.example`, null],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
    [`${'a.'.repeat(127)}example`, null],
    ['', null],
  ];
  it.each(cases)('reads %j as %j', (text, expected) => {
    expect(normaliseDomain(text)).toBe(expected);
  });

  it('agrees with domainToASCII on valid names in any case, and reads its own output back unchanged', () => {
    fc.assert(
      fc.property(fc.domain(), fc.boolean(), (domain, upper) => {
        const text = upper ? domain.toUpperCase() : domain;
        const ours = normaliseDomain(text);
        expect(ours).toBe(domainToASCII(text));
        expect(normaliseDomain(ours!)).toBe(ours);
      }),
    );
  });
});

describe('undefang', () => {
  const cases: Array<[string, string]> = [
    ['hxxp://evil[.]example[.]com/a', 'http://evil.example.com/a'],
    ['hXXps[:]//evil(.)example{.}com', 'https://evil.example.com'],
    ['hxxps[://]evil[dot]example(dot)com', 'https://evil.example.com'],
    ['user[@]example[.]com', 'user@example.com'],
    ['192.0.2[.]1', '192.0.2.1'],
    ['hxxpfoo.example.com', 'hxxpfoo.example.com'],
    ['http://[2001:db8::1]/', 'http://[2001:db8::1]/'],
    ['http://example.com/(a)[b]', 'http://example.com/(a)[b]'],
  ];
  it.each(cases)('turns %j into %j', (text, expected) => {
    expect(undefang(text)).toBe(expected);
  });
});

describe('normaliseUrl', () => {
  const cases: Array<[string, string | null]> = [
    ['http://192.0.2.80:60905/bin.sh', 'http://192.0.2.80:60905/bin.sh'],
    ['HTTPS://Downloads.Example.COM:443/Setup.EXE', 'https://downloads.example.com/Setup.EXE'],
    ['http://example.com:80', 'http://example.com/'],
    ['http://example.com:0080/x', 'http://example.com/x'],
    ['http://example.com:8080', 'http://example.com:8080/'],
    ['https://example.com?q=1#f', 'https://example.com/?q=1#f'],
    ['https://example.com#frag', 'https://example.com/#frag'],
    ['hxxp://malware[.]example[.]net/drop.bin', 'http://malware.example.net/drop.bin'],
    ['https[:]//phish(.)example(.)org/login?next=%2F', 'https://phish.example.org/login?next=%2F'],
    ['http://[2001:DB8::1]:8080/a', 'http://[2001:db8::1]:8080/a'],
    ['http://user:pass@Example.com/', 'http://user:pass@example.com/'],
    ['ftp://files.example.com/a b', 'ftp://files.example.com/a b'],
    ['http://bücher.example/ä', 'http://xn--bcher-kva.example/ä'],
    [
      'https://smilescartoesway-com-br.umbler.net/cadastrando.php?19,05,25,pm',
      'https://smilescartoesway-com-br.umbler.net/cadastrando.php?19,05,25,pm',
    ],
    ['example.com/path', null],
    ['http://', null],
    ['http:///path', null],
    ['http://localhost/', null],
    ['http://example.com:99999/', null],
    ['http://example.com:8o/', null],
    ['http://exa mple.com/', null],
    ['http://example.com/\u0000', null],
    ['1ttp://example.com/', null],
    [`http://example.com/${'a'.repeat(MAX_URL_LENGTH)}`, null],
  ];
  it.each(cases)('reads %j as %j', (text, expected) => {
    expect(normaliseUrl(text)).toBe(expected);
  });

  it('returns an already canonical URL as the same string', () => {
    const url = 'http://192.0.2.80:60905/bin.sh';
    expect(normaliseUrl(url)).toBe(url);
  });

  it('reads its own output back unchanged, and keeps the host the WHATWG parser sees', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const ours = normaliseUrl(url);
        if (ours === null) return;
        expect(normaliseUrl(ours)).toBe(ours);
        const host = hostFromUrl(ours);
        expect(host).not.toBeNull();
        const whatwg = new URL(ours).hostname;
        expect(host!.type === 'ipv6' ? `[${host!.value}]` : host!.value).toBe(whatwg);
      }),
      { numRuns: 500 },
    );
  });
});

describe('hostFromUrl', () => {
  const cases: Array<[string, { type: string; value: string } | null]> = [
    ['http://192.0.2.80:60905/bin.sh', { type: 'ipv4', value: '192.0.2.80' }],
    ['https://user@evil.example.com/a@b', { type: 'domain', value: 'evil.example.com' }],
    ['http://[2001:db8::1]:8080/', { type: 'ipv6', value: '2001:db8::1' }],
    ['not a url', null],
  ];
  it.each(cases)('finds the host of %j', (url, expected) => {
    expect(hostFromUrl(url)).toEqual(expected);
  });
});

describe('hashes, AS numbers, e-mail addresses and ports', () => {
  it('tells MD5, SHA1 and SHA256 apart by length, and refuses non-hex', () => {
    expect(isHash('5d41402abc4b2a76b9719d911017c592')).toBe('md5');
    expect(isHash('2e3519b7cb61a3cd6167f727df993f68311085ea')).toBe('sha1');
    expect(isHash('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824')).toBe('sha256');
    expect(isHash('5d41402abc4b2a76b9719d911017c59g')).toBeNull();
    expect(isHash('5d41402abc4b2a76b9719d911017c5')).toBeNull();
    expect(normaliseHex('5D41402ABC4B2A76B9719D911017C592', 32)).toBe('5d41402abc4b2a76b9719d911017c592');
  });

  it('writes AS numbers as decimal digits', () => {
    expect(normaliseAsn('AS932')).toBe('932');
    expect(normaliseAsn('as0932')).toBe('932');
    expect(normaliseAsn(400506)).toBe('400506');
    expect(normaliseAsn('0')).toBeNull();
    expect(normaliseAsn('4294967296')).toBeNull();
    expect(normaliseAsn('AS')).toBeNull();
  });

  it('lowercases the domain of an e-mail address and keeps its local part', () => {
    expect(normaliseEmail('John.Doe@Example.COM')).toBe('John.Doe@example.com');
    expect(normaliseEmail('@example.com')).toBeNull();
    expect(normaliseEmail('a b@example.com')).toBeNull();
  });

  it('reads ports 0 to 65535 only', () => {
    expect(normalisePort('443')).toBe(443);
    expect(normalisePort('0')).toBe(0);
    expect(normalisePort('65535')).toBe(65535);
    expect(normalisePort('65536')).toBeNull();
    expect(normalisePort('')).toBeNull();
    expect(normalisePort('-1')).toBeNull();
    expect(normalisePort('8o')).toBeNull();
  });

  it('normalises certificate fingerprints written with colons', () => {
    expect(
      normaliseValue('cert_sha1', '2E:35:19:B7:CB:61:A3:CD:61:67:F7:27:DF:99:3F:68:31:10:85:EA'),
    ).toEqual({
      type: 'cert_sha1',
      value: '2e3519b7cb61a3cd6167f727df993f68311085ea',
    });
  });

  it('checks JA4 fingerprints by their shape', () => {
    expect(normaliseValue('ja4', 'T13D1516H2_8DAAF6152771_B186095E22B6')).toEqual({
      type: 'ja4',
      value: 't13d1516h2_8daaf6152771_b186095e22b6',
    });
    expect(normaliseValue('ja4', 't13d1516h2_8daaf6152771')).toBeNull();
  });
});

describe('detectIndicator', () => {
  const cases: Array<[string, { type: string; value: string } | null]> = [
    ['192.0.2.1', { type: 'ipv4', value: '192.0.2.1' }],
    ['2001:DB8::1', { type: 'ipv6', value: '2001:db8::1' }],
    ['198.51.100.0/24', { type: 'cidr', value: '198.51.100.0/24' }],
    ['Evil.Example.com', { type: 'domain', value: 'evil.example.com' }],
    ['evil[.]example[.]com', { type: 'domain', value: 'evil.example.com' }],
    ['hxxp://evil.example.com', { type: 'url', value: 'http://evil.example.com/' }],
    ['5D41402ABC4B2A76B9719D911017C592', { type: 'md5', value: '5d41402abc4b2a76b9719d911017c592' }],
    ['jdoe@example.com', { type: 'email', value: 'jdoe@example.com' }],
    ['1.2.3.999', null],
    ['not_a_value!', null],
    ['', null],
  ];
  it.each(cases)('reads %j as %j', (token, expected) => {
    expect(detectIndicator(token)).toEqual(expected);
  });
});

describe('stripBom', () => {
  it('drops one leading byte-order mark and nothing else', () => {
    expect(stripBom('\ufeff# x')).toBe('# x');
    expect(stripBom('# x\ufeff')).toBe('# x\ufeff');
  });
});
