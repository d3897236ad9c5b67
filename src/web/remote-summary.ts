import type { TopRemote } from '../store/index.js';

/** What the dashboard knows about a public address: its AS and country (open data, offline). */
export interface RemoteFacts {
  asn: number | null;
  asOrg: string | null;
  country: string | null;
}

export interface RemoteGroup {
  key: string;
  bytes: number;
  flows: number;
}

/**
 * The top remote addresses grouped by country and by AS, when enrichment is available and knows at
 * least one of them; otherwise both lists are empty and the overview shows addresses and names.
 */
export async function summariseRemotes(
  remotes: readonly TopRemote[],
  enrich: ((addr: string) => Promise<RemoteFacts>) | undefined,
  top: number,
): Promise<{ countries: RemoteGroup[]; asns: RemoteGroup[] }> {
  if (enrich === undefined) return { countries: [], asns: [] };
  const countries = new Map<string, RemoteGroup>();
  const asns = new Map<string, RemoteGroup>();
  const add = (groups: Map<string, RemoteGroup>, key: string, remote: TopRemote): void => {
    const group = groups.get(key) ?? { key, bytes: 0, flows: 0 };
    group.bytes += remote.bytes;
    group.flows += remote.flows;
    groups.set(key, group);
  };
  for (const remote of remotes) {
    const facts = await enrich(remote.addr);
    if (facts.country !== null) add(countries, facts.country, remote);
    if (facts.asn !== null) add(asns, `AS${facts.asn}${facts.asOrg ? ` ${facts.asOrg}` : ''}`, remote);
  }
  const order = (groups: Map<string, RemoteGroup>): RemoteGroup[] =>
    [...groups.values()].sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key)).slice(0, top);
  return { countries: order(countries), asns: order(asns) };
}
