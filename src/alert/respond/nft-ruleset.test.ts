import { describe, expect, it } from 'vitest';
import { blockScript, checkBlockTable, createTableScript, nftComment } from './nft-ruleset.js';

describe('createTableScript', () => {
  it('creates both sets and drops traffic to them in forward and output for inet', () => {
    expect(createTableScript({ family: 'inet', table: 'yamori' })).toBe(
      [
        'create table inet yamori',
        'add set inet yamori blocklist4 { type ipv4_addr; flags timeout; }',
        'add set inet yamori blocklist6 { type ipv6_addr; flags timeout; }',
        'add chain inet yamori forward { type filter hook forward priority -10; policy accept; }',
        'add rule inet yamori forward ip daddr @blocklist4 counter drop',
        'add rule inet yamori forward ip6 daddr @blocklist6 counter drop',
        'add chain inet yamori output { type filter hook output priority -10; policy accept; }',
        'add rule inet yamori output ip daddr @blocklist4 counter drop',
        'add rule inet yamori output ip6 daddr @blocklist6 counter drop',
        '',
      ].join('\n'),
    );
  });

  it('holds only the family’s own set for ip and ip6', () => {
    expect(createTableScript({ family: 'ip', table: 'yb' })).not.toContain('blocklist6');
    expect(createTableScript({ family: 'ip6', table: 'yb' })).not.toContain('blocklist4');
  });
});

describe('blockScript', () => {
  it('replaces the element in one transaction, with its timeout and comment', () => {
    expect(blockScript({ family: 'inet', table: 'yamori' }, 6, '2001:db8::9', 120, 'feodo c2')).toBe(
      [
        'add element inet yamori blocklist6 { 2001:db8::9 }',
        'delete element inet yamori blocklist6 { 2001:db8::9 }',
        'add element inet yamori blocklist6 { 2001:db8::9 timeout 120s comment "feodo c2" }',
        '',
      ].join('\n'),
    );
  });
});

describe('nftComment', () => {
  it.each([
    ['rule intel-c2: "qakbot"', "rule intel-c2: 'qakbot'"],
    ['a\\b\nc;\td', "a'b c; d"],
    ['   ', null],
    [null, null],
    ['x'.repeat(300), 'x'.repeat(120)],
  ])('makes %j safe for nft as %j', (reason, expected) => {
    expect(nftComment(reason)).toBe(expected);
  });
});

describe('checkBlockTable', () => {
  it('accepts inet, ip and ip6 with an nftables name', () => {
    expect(checkBlockTable('ip6', 'yamori_2')).toEqual({ family: 'ip6', table: 'yamori_2' });
  });

  it.each([
    ['bridge', 'yamori'],
    ['inet', 'bad name'],
    ['inet', '1table'],
    ['inet', 'x;flush ruleset'],
  ])('refuses family %j table %j', (family, table) => {
    expect(() => checkBlockTable(family, table)).toThrow(
      expect.objectContaining({ code: 'BLOCK_FAMILY_INVALID' }),
    );
  });
});
