import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAsnTable } from './asn-table.js';
import { parseAddress } from './special-addresses.js';

const dir = mkdtempSync(join(tmpdir(), 'yamori-asn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const v4 = (text: string): string => String(Number(parseAddress(text)!.value));
const v6 = (text: string): string => parseAddress(text)!.value.toString();

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('loadAsnTable', () => {
  it('finds the range holding an address, with quoted organisation names, in any row order', async () => {
    const table = await loadAsnTable({
      ipv4: write('v4.csv', [
        `${v4('9.9.9.0')},${v4('9.9.9.255')},19281,Quad9`,
        `${v4('1.0.0.0')},${v4('1.0.0.255')},13335,"Cloudflare, Inc."`,
        `${v4('2.27.0.0')},${v4('2.27.255.255')},201907,"LLC ""SPUTNIK"""`,
        `${v4('5.0.0.0')},${v4('5.0.0.255')},64500,`,
      ]),
      ipv6: write('v6.csv', [
        `${v6('2001:4860::')},${v6('2001:4860:ffff:ffff:ffff:ffff:ffff:ffff')},15169,Google LLC`,
      ]),
    });
    expect(table.ranges).toBe(5);
    const at = (text: string): unknown => table.lookup(parseAddress(text)!);
    expect(at('1.0.0.0')).toEqual({ asn: 13335, org: 'Cloudflare, Inc.' });
    expect(at('1.0.0.255')).toEqual({ asn: 13335, org: 'Cloudflare, Inc.' });
    expect(at('9.9.9.9')).toEqual({ asn: 19281, org: 'Quad9' });
    expect(at('2.27.1.1')).toEqual({ asn: 201907, org: 'LLC "SPUTNIK"' });
    expect(at('5.0.0.1')).toEqual({ asn: 64500, org: null });
    expect(at('1.0.1.0')).toBeNull();
    expect(at('0.255.255.255')).toBeNull();
    expect(at('9.9.10.0')).toBeNull();
    expect(at('2001:4860:4860::8888')).toEqual({ asn: 15169, org: 'Google LLC' });
    expect(at('2001:4861::1')).toBeNull();
    expect(at('2001:485f:ffff::1')).toBeNull();
  });

  it('names the file and line of a row it cannot read', async () => {
    const ipv4 = write('bad.csv', [`${v4('1.0.0.0')},${v4('1.0.0.255')},13335,x`, 'not a row']);
    await expect(loadAsnTable({ ipv4, ipv6: write('empty.csv', []) })).rejects.toThrow(/bad\.csv line 2/);
  });
});
