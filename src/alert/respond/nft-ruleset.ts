/**
 * The nftables objects Yamori owns for blocking, and the nft commands that change them. Yamori never
 * touches any other table: removing its own ("nft delete table inet yamori") undoes every block.
 */
import { YamoriError } from '../../errors/index.js';

export type NftFamily = 'inet' | 'ip' | 'ip6';

export interface BlockTable {
  family: NftFamily;
  table: string;
}

export const BLOCK_SETS = { 4: 'blocklist4', 6: 'blocklist6' } as const;

/** The sets a family holds: inet both, ip only IPv4, ip6 only IPv6. */
export function setsOf(family: NftFamily): (4 | 6)[] {
  return family === 'inet' ? [4, 6] : family === 'ip' ? [4] : [6];
}

export function checkBlockTable(family: string, table: string): BlockTable {
  if (family !== 'inet' && family !== 'ip' && family !== 'ip6') {
    throw new YamoriError('BLOCK_FAMILY_INVALID', {
      detail: `"respond.block.family" is "${family}", which is not inet, ip or ip6.`,
    });
  }
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(table)) {
    throw new YamoriError('BLOCK_FAMILY_INVALID', {
      detail: `"respond.block.table" is "${table}", which is not an nftables name (a letter, then letters, digits, _ or -).`,
    });
  }
  return { family, table };
}

/**
 * One nft transaction that creates the table, its timeout sets and two chains that drop traffic to
 * the addresses in them: "forward" (devices behind the router) and "output" (the router itself).
 * It starts with "create table", so it fails as a whole, changing nothing, when the table exists.
 * Priority -10 runs the chains before the usual filter chains (priority 0), so an accept there cannot
 * let blocked traffic through.
 */
export function createTableScript({ family, table }: BlockTable): string {
  const lines = [`create table ${family} ${table}`];
  for (const version of setsOf(family)) {
    const type = version === 4 ? 'ipv4_addr' : 'ipv6_addr';
    lines.push(`add set ${family} ${table} ${BLOCK_SETS[version]} { type ${type}; flags timeout; }`);
  }
  for (const [chain, hook] of [
    ['forward', 'forward'],
    ['output', 'output'],
  ] as const) {
    lines.push(
      `add chain ${family} ${table} ${chain} { type filter hook ${hook} priority -10; policy accept; }`,
    );
    for (const version of setsOf(family)) {
      const match = version === 4 ? 'ip daddr' : 'ip6 daddr';
      lines.push(`add rule ${family} ${table} ${chain} ${match} @${BLOCK_SETS[version]} counter drop`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * Replaces any element for the address with one that expires after `ttlS` and carries the reason.
 * The first "add" makes the "delete" safe when the address was not listed; the kernel applies all
 * three at once.
 */
export function blockScript(
  { family, table }: BlockTable,
  version: 4 | 6,
  addr: string,
  ttlS: number,
  reason: string | null,
): string {
  const set = `${family} ${table} ${BLOCK_SETS[version]}`;
  const comment = reason === null || reason === '' ? '' : ` comment "${reason}"`;
  return (
    [
      `add element ${set} { ${addr} }`,
      `delete element ${set} { ${addr} }`,
      `add element ${set} { ${addr} timeout ${ttlS}s${comment} }`,
    ].join('\n') + '\n'
  );
}

/** A reason as an nft comment can hold it: printable, no quotes or backslashes, at most 120 characters. */
export function nftComment(reason: string | null | undefined): string | null {
  if (reason === null || reason === undefined) return null;
  const cleaned = reason
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/["\\]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned === '' ? null : cleaned.slice(0, 120);
}
