const MAC_PATTERN = /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const CANONICAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * A MAC address as the store keeps it: lowercase, colon-separated ("aa:bb:cc:dd:ee:ff").
 * Accepts colons, dashes or no separator; null when the text is not a 48-bit MAC.
 */
export function normaliseMac(text: string): string | null {
  // Packet sources already give the canonical form; only other spellings need rewriting.
  if (CANONICAL_MAC.test(text)) return text;
  if (!MAC_PATTERN.test(text)) return null;
  const hex = text.replace(/[:-]/g, '').toLowerCase();
  return hex.replace(/(..)(?!$)/g, '$1:');
}

/**
 * True for a locally administered address: the second-least-significant bit of the first octet.
 * Phones and laptops set it when they randomise their MAC per network, so the OUI names no vendor.
 */
export function isRandomisedMac(mac: string): boolean {
  const firstOctet = parseInt(mac.slice(0, 2), 16);
  return (firstOctet & 0x02) !== 0;
}
