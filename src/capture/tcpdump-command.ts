import type { CaptureConfig } from '../config/index.js';

/**
 * The argv for tcpdump writing a pcap stream to standard output:
 * `-w -` pcap to stdout, `-U` flushed after every packet so none waits in stdio buffers,
 * `--immediate-mode` so the kernel hands packets over at once (without it, packets still in a
 * half-filled TPACKET_V3 block are lost when tcpdump stops), `-n` no name lookups for its messages,
 * `-Z` the user to switch to after opening the interface, and the filter after `--` so that an
 * expression starting with "-" is not read as a flag.
 */
export function tcpdumpArgs(config: CaptureConfig, options: { immediateMode: boolean }): string[] {
  const args: string[] = [];
  if (config.interface !== null) args.push('-i', config.interface);
  args.push('-n', '-U', '-w', '-', '-s', String(config.snaplen));
  if (config.dropPrivilegesTo !== null) args.push('-Z', config.dropPrivilegesTo);
  if (options.immediateMode) args.push('--immediate-mode');
  if (config.filter !== null && config.filter.trim() !== '') args.push('--', config.filter);
  return args;
}
