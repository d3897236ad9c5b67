import { createTextListParser } from './text-list.js';

/**
 * check.torproject.org/torbulkexitlist: current Tor exit addresses, one per line. Being a Tor exit
 * is not malicious in itself; the threat is "tor_exit" and policy decides what it means.
 */
export const torBulkExitListParser = createTextListParser('tor-bulk-exit-list', {
  type: 'ip',
  defaults: { threat: 'tor_exit', confidence: 90 },
});
