import { isRandomisedMac } from './mac-address.js';

/** Vendor name for a normalised MAC ("aa:bb:cc:dd:ee:ff"); null for randomised or unregistered ones. */
export type OuiVendorLookup = (mac: string) => string | null;

// The IEEE table is a few megabytes of JSON; it is parsed on first use and shared, since it never
// changes while the process runs. The specifier is typed as a plain string so that tsc does not load
// the 53,000-key file to infer a type for it.
const OUI_DATA: string = 'oui-data';
let loading: Promise<OuiVendorLookup> | undefined;

/** Loads the IEEE registry (from the oui-data package) once and returns a synchronous lookup. */
export function loadOuiVendorLookup(): Promise<OuiVendorLookup> {
  loading ??= (
    import(OUI_DATA, { with: { type: 'json' } }) as Promise<{ default: Record<string, string> }>
  ).then((module) => createOuiVendorLookup(module.default));
  return loading;
}

/**
 * Builds the lookup over a registry keyed by uppercase hex prefix. The registry mixes MA-L (24-bit,
 * 6 hex digits), MA-M (28-bit, 7) and MA-S (36-bit, 9) blocks; the longest match wins, since the
 * MA-L block holding MA-M/MA-S assignments is registered to the IEEE itself.
 */
export function createOuiVendorLookup(registry: Readonly<Record<string, string>>): OuiVendorLookup {
  return (mac) => {
    if (isRandomisedMac(mac)) return null;
    const hex = mac.replace(/:/g, '').toUpperCase();
    const entry = registry[hex.slice(0, 9)] ?? registry[hex.slice(0, 7)] ?? registry[hex.slice(0, 6)];
    if (entry === undefined) return null;
    const newline = entry.indexOf('\n');
    const vendor = (newline === -1 ? entry : entry.slice(0, newline)).trim();
    return vendor === '' ? null : vendor;
  };
}
