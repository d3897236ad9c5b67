import { createRequire } from 'node:module';
import maxmind, { type Reader, type Response } from 'maxmind';
import { loadAsnTable, type AsnTable, type AsnTableFiles } from './asn-table.js';
import type { ParsedAddress } from './special-addresses.js';

/** Where the open data lives: npm packages installed with Yamori, read offline. */
export interface GeoDataFiles {
  /** An MMDB whose records carry `country_code` (ip-location-db's geo-whois-asn-country.mmdb). */
  countryMmdb: string;
  asn: AsnTableFiles;
}

export interface GeoFacts {
  asn: number | null;
  asOrg: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
}

export interface GeoData {
  lookup(address: ParsedAddress): GeoFacts;
}

interface CountryRecord {
  country_code?: string;
}

/** The files of the packages Yamori depends on, resolved from where this module is installed. */
export function defaultGeoDataFiles(): GeoDataFiles {
  const require = createRequire(import.meta.url);
  return {
    countryMmdb: require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb'),
    asn: {
      ipv4: require.resolve('@ip-location-db/asn/asn-ipv4-num.csv'),
      ipv6: require.resolve('@ip-location-db/asn/asn-ipv6-num.csv'),
    },
  };
}

/** Opens both data sets; rejects when a file is missing or unreadable. */
export async function openGeoData(files: GeoDataFiles = defaultGeoDataFiles()): Promise<GeoData> {
  // Yamori caches whole enrichments, so the reader's own cache stays small.
  const [countries, asns]: [Reader<Response>, AsnTable] = await Promise.all([
    maxmind.open<Response>(files.countryMmdb, { cache: { max: 64 } }),
    loadAsnTable(files.asn),
  ]);
  return {
    lookup(address) {
      const country = (countries.get(address.text) as CountryRecord | null)?.country_code;
      const asn = asns.lookup(address);
      return {
        asn: asn?.asn ?? null,
        asOrg: asn?.org ?? null,
        country: typeof country === 'string' && /^[A-Z]{2}$/.test(country) ? country : null,
      };
    },
  };
}
