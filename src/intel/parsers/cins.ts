import { createTextListParser } from './text-list.js';

/** CINS Army ci-badguys.txt: IPs with a poor CINS score (scanning and attacking), one per line. */
export const cinsParser = createTextListParser('cins', {
  type: 'ip',
  defaults: { threat: 'scanner', confidence: 60 },
});
