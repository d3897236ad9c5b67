import { describe, expect, it } from 'vitest';
import { hostsFileParser } from './hosts-file.js';
import { contextFor, describeParserContract } from './parser.contract.js';

const hosts = [
  '# a hosts-format block list',
  '127.0.0.1 localhost',
  '::1 localhost ip6-localhost',
  '0.0.0.0 0.0.0.0',
  '0.0.0.0 ads.example.com tracker.example.net # two hosts',
  '0.0.0.0\tBAD.Example.org.',
  'lonely.example.com',
  '0.0.0.0 not_valid!',
  '0.0.0.0 192.0.2.5',
].join('\n');

describeParserContract(hostsFileParser, [{ name: 'an inline hosts file', text: hosts }]);

describe('hostsFileParser', () => {
  it('lists every host after the sink address, skips the local names, and counts invalid hosts', () => {
    const result = hostsFileParser.parse(hosts, contextFor('hosts'));
    expect(result.indicators.map((d) => `${d.type} ${d.value}`)).toEqual([
      'domain ads.example.com',
      'domain tracker.example.net',
      'domain bad.example.org',
      'domain lonely.example.com',
      'ipv4 192.0.2.5',
    ]);
    expect(result.skipped).toBe(1);
    expect(result.issues[0]).toEqual({ line: 8, message: '"not_valid!" is not a host name' });
  });
});
