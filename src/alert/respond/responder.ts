import { getServers } from 'node:dns';
import type { RespondConfig } from '../../config/index.js';
import { YamoriError } from '../../errors/index.js';
import { parseAddress } from '../enrich/special-addresses.js';
import { createBlockGuard, type ProtectedEntry } from './block-guard.js';
import { createNftRunner, firstErrorLine, type NftRunner } from './nft-command.js';
import {
  BLOCK_SETS,
  blockScript,
  checkBlockTable,
  createTableScript,
  nftComment,
  setsOf,
} from './nft-ruleset.js';

/** One blocked address as the kernel holds it. */
export interface BlockEntry {
  addr: string;
  /** Seconds until the kernel removes it; null for an element added by hand without a timeout. */
  expiresInS: number | null;
  /** The timeout it was added with. */
  timeoutS: number | null;
  reason: string | null;
  /** The nftables set holding it (blocklist4 or blocklist6). */
  set: string;
}

export interface Responder {
  /**
   * Adds the address to the block list for `ttlS` seconds (the configured default when null), replacing
   * an earlier block of it. Throws BLOCK_DISABLED, BLOCK_REFUSED, BLOCK_BAD_ADDRESS or an nft error.
   */
  block(addr: string, ttlS: number | null, reason: string | null): Promise<void>;
  /** Removes the address from the block list; false when it was not listed. Works while disabled. */
  unblock(addr: string): Promise<boolean>;
  /** Every blocked address; empty when the table does not exist yet. Works while disabled. */
  list(): Promise<BlockEntry[]>;
}

export interface ResponderDeps {
  /** Words before nft, e.g. ["ip", "netns", "exec", NS] to act inside a network namespace. */
  commandPrefix?: readonly string[];
  /** Runs nft; replaces the child-process runner built from `nftPath` and `commandPrefix`. */
  runNft?: NftRunner;
  /** More addresses and networks never to block (the built-in allow-list of intel/). */
  allowlist?: readonly ProtectedEntry[];
  /** Resolvers this machine uses; node:dns's list (from /etc/resolv.conf) when left out. */
  systemResolvers?: readonly string[];
}

/** The block response. Creating it runs nothing; the table is created on the first block. */
export function createResponder(config: RespondConfig, deps: ResponderDeps = {}): Responder {
  const where = checkBlockTable(config.family, config.table);
  const runNft =
    deps.runNft ?? createNftRunner({ nftPath: config.nftPath, prefix: deps.commandPrefix ?? [] });
  const guard = createBlockGuard({
    homeNetworks: config.homeNetworks,
    resolvers: [...config.resolvers, ...(deps.systemResolvers ?? getServers())],
    allowlist: [
      ...config.allowlist.map((value) => ({
        value,
        reason: `it is on the allow-list (intel.allowlist: ${value})`,
      })),
      ...(deps.allowlist ?? []).map((entry) => ({
        value: entry.value,
        reason: `it is allow-listed: ${entry.reason}`,
      })),
    ],
  });
  let tableReady: Promise<void> | undefined;

  const fail = (args: readonly string[], stderr: string): YamoriError =>
    new YamoriError('BLOCK_NFT_FAILED', {
      command: ['nft', ...args].join(' '),
      detail: firstErrorLine(stderr),
      family: where.family,
      table: where.table,
    });

  const ensureTable = async (): Promise<void> => {
    const result = await runNft(['-f', '-'], createTableScript(where));
    if (!result.ok && !/File exists/.test(result.stderr)) throw fail(['-f', '-'], result.stderr);
  };

  const list = async (): Promise<BlockEntry[]> => {
    const entries: BlockEntry[] = [];
    for (const version of setsOf(where.family)) {
      const args = ['-j', 'list', 'set', where.family, where.table, BLOCK_SETS[version]];
      const result = await runNft(args);
      if (!result.ok) {
        if (/No such file or directory/.test(result.stderr)) continue;
        throw fail(args, result.stderr);
      }
      entries.push(...parseSetListing(result.stdout, BLOCK_SETS[version]));
    }
    return entries;
  };

  return {
    async block(addr, ttlS, reason) {
      const address = guard(addr);
      if (!config.enabled) throw new YamoriError('BLOCK_DISABLED', { addr: address.text });
      if (!setsOf(where.family).includes(address.version)) {
        throw new YamoriError('BLOCK_FAMILY_INVALID', {
          detail: `The ${where.family} table holds no IPv${address.version} set, so ${address.text} cannot be blocked.`,
        });
      }
      const seconds = ttlS ?? config.defaultTtlS;
      if (!Number.isInteger(seconds) || seconds < 1)
        throw new RangeError(`block ttl must be whole seconds ≥ 1, got ${seconds}`);
      tableReady ??= ensureTable().catch((error: unknown) => {
        tableReady = undefined;
        throw error;
      });
      await tableReady;
      const script = blockScript(where, address.version, address.text, seconds, nftComment(reason));
      const result = await runNft(['-f', '-'], script);
      if (!result.ok) {
        // The table may have been deleted by hand since it was made: make it again, once.
        if (/No such file or directory/.test(result.stderr)) {
          await ensureTable();
          const again = await runNft(['-f', '-'], script);
          if (again.ok) return;
          throw fail(['-f', '-'], again.stderr);
        }
        throw fail(['-f', '-'], result.stderr);
      }
    },
    async unblock(addr) {
      const address = parseAddress(addr);
      if (address === null || addr.includes('/')) throw new YamoriError('BLOCK_BAD_ADDRESS', { value: addr });
      const listed = (await list()).find((entry) => entry.addr === address.text);
      if (!listed) return false;
      const args = ['delete', 'element', where.family, where.table, listed.set, '{', address.text, '}'];
      const result = await runNft(args);
      if (result.ok) return true;
      // It expired between the listing and the delete.
      if (/No such file or directory/.test(result.stderr)) return false;
      throw fail(args, result.stderr);
    },
    list,
  };
}

/** Elements of `nft -j list set`: plain values, or objects with timeout, expires and comment. */
export function parseSetListing(json: string, set: string): BlockEntry[] {
  const parsed = JSON.parse(json) as { nftables?: { set?: { elem?: unknown[] } }[] };
  const elements = parsed.nftables?.find((item) => item.set !== undefined)?.set?.elem ?? [];
  const entries: BlockEntry[] = [];
  for (const element of elements) {
    if (typeof element === 'string') {
      entries.push({ addr: element, expiresInS: null, timeoutS: null, reason: null, set });
      continue;
    }
    const inner = (element as { elem?: Record<string, unknown> }).elem;
    if (!inner || typeof inner['val'] !== 'string') continue;
    entries.push({
      addr: inner['val'],
      expiresInS: typeof inner['expires'] === 'number' ? inner['expires'] : null,
      timeoutS: typeof inner['timeout'] === 'number' ? inner['timeout'] : null,
      reason: typeof inner['comment'] === 'string' ? inner['comment'] : null,
      set,
    });
  }
  return entries;
}
