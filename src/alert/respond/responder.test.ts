import { describe, expect, it } from 'vitest';
import type { RespondConfig } from '../../config/index.js';
import { createResponder, parseSetListing } from './responder.js';

const CONFIG: RespondConfig = {
  enabled: false,
  table: 'yamori',
  family: 'inet',
  defaultTtlS: 3_600,
  nftPath: 'nft',
  homeNetworks: ['192.168.1.0/24'],
  resolvers: [],
  allowlist: [],
};

describe('parseSetListing', () => {
  it('reads elements with and without timeouts and skips ones that are not single addresses', () => {
    // The shape of "nft -j list set" (nftables 1.0): plain values for elements added without options.
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6', json_schema_version: 1 } },
        {
          set: {
            family: 'inet',
            name: 'blocklist4',
            table: 'yamori',
            type: 'ipv4_addr',
            flags: ['timeout'],
            elem: [
              '198.51.100.4',
              { elem: { val: '203.0.113.9', timeout: 3600, expires: 3541, comment: 'feodo' } },
              { elem: { val: { prefix: { addr: '203.0.113.0', len: 28 } }, timeout: 60 } },
            ],
          },
        },
      ],
    });
    expect(parseSetListing(json, 'blocklist4')).toEqual([
      { addr: '198.51.100.4', expiresInS: null, timeoutS: null, reason: null, set: 'blocklist4' },
      { addr: '203.0.113.9', expiresInS: 3541, timeoutS: 3600, reason: 'feodo', set: 'blocklist4' },
    ]);
  });

  it('reads an empty set', () => {
    const json = '{"nftables": [{"metainfo": {}}, {"set": {"name": "blocklist6", "type": "ipv6_addr"}}]}';
    expect(parseSetListing(json, 'blocklist6')).toEqual([]);
  });
});

describe('createResponder', () => {
  it('refuses to block while disabled, before running nft', async () => {
    const calls: string[][] = [];
    const responder = createResponder(CONFIG, {
      systemResolvers: [],
      runNft: (args) => {
        calls.push([...args]);
        return Promise.resolve({ ok: true, stdout: '', stderr: '' });
      },
    });
    await expect(responder.block('203.0.113.9', 60, null)).rejects.toMatchObject({
      code: 'BLOCK_DISABLED',
      exitCode: 2,
    });
    await expect(responder.block('192.168.1.5', 60, null)).rejects.toMatchObject({ code: 'BLOCK_REFUSED' });
    expect(calls).toEqual([]);
  });

  it('refuses an address of the other family in an ip or ip6 table', async () => {
    const responder = createResponder({ ...CONFIG, enabled: true, family: 'ip' }, { systemResolvers: [] });
    await expect(responder.block('2001:db8::1', 60, null)).rejects.toMatchObject({
      code: 'BLOCK_FAMILY_INVALID',
    });
  });

  it('protects the resolvers this machine uses', async () => {
    const responder = createResponder({ ...CONFIG, enabled: true }, { systemResolvers: ['203.0.113.53'] });
    await expect(responder.block('203.0.113.53', 60, null)).rejects.toMatchObject({
      code: 'BLOCK_REFUSED',
      message: 'Yamori will not block 203.0.113.53: it is a DNS resolver the home network uses.',
    });
  });
});
