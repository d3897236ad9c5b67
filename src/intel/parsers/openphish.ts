import { createTextListParser } from './text-list.js';

/**
 * OpenPhish's community feed: one URL per line, no comments. Hosts are not derived by default: many
 * entries sit on shared platforms (vercel.app, blogspot.com, ipfs.io) where a host is not the threat;
 * options.derive_hosts: true turns it on.
 */
export const openphishParser = createTextListParser('openphish', {
  type: 'url',
  defaults: { threat: 'phishing', confidence: 80 },
  deriveHosts: false,
});
