import type { Logger } from '../../../log/index.js';

/** What every channel may be handed; all optional, so tests and the CLI pass only what they change. */
export interface NotifierDeps {
  fetch?: typeof fetch;
  /** Wall clock in ms. */
  now?: () => number;
  /** IANA zone for the times people read; default the process's zone. */
  timeZone?: string;
  /** This machine's name (syslog HOSTNAME, e-mail EHLO). */
  hostname?: string;
  /** Process id for syslog's PROCID. */
  pid?: number;
  log?: Logger;
}
