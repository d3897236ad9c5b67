import { createTextListParser } from './text-list.js';

/**
 * Emerging Threats' compromised-ips.txt (bare IPs) and emerging-Block-IPs.txt (a licence header,
 * then sections of IPs and CIDRs). In the block list, each section's entries get the section's
 * threat and a tag naming it; entries outside a known section are "compromised".
 */
export const etIpsParser = createTextListParser('et-ips', {
  type: 'cidr',
  defaults: { threat: 'compromised', confidence: 60 },
  sections: [
    { pattern: /^\s*(?:abuse\.ch c&c list|feodo|spyeye|palevo)\s*$/i, threat: 'botnet_cc', tag: 'abusech' },
    { pattern: /^\s*spamhaus drop nets\s*$/i, threat: 'spam', tag: 'spamhaus-drop' },
    { pattern: /^\s*dshield top attackers\s*$/i, threat: 'scanner', tag: 'dshield' },
  ],
});
