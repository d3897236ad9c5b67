import { feodoHostLink } from './feodo-csv.js';
import { createTextListParser } from './text-list.js';

/**
 * Feodo Tracker's ipblocklist.txt and ipblocklist_recommended.txt: the CSV's banner, "# DstIP", then
 * one IPv4 per line and "# END N entries". No ports, so an address is listed once.
 */
export const feodoTxtParser = createTextListParser('feodo-txt', {
  type: 'ip',
  defaults: { threat: 'botnet_cc', confidence: 90 },
  reference: feodoHostLink,
});
