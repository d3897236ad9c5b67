import type { EpochMicros } from './time.js';

/** What one packet source learned about a home host; the store merges these into `devices`. */
export interface DeviceObservation {
  mac: string;
  addr: string | null;
  seenAt: EpochMicros;
  /** DHCP option 12. */
  hostname: string | null;
  /** DHCP option 60. */
  vendorClass: string | null;
  /** A port on this device that answered a connection (responder side of an established flow). */
  service: { port: number; protocol: string } | null;
  sensor: string;
}

/** A host on the home networks, as stored. */
export interface Device {
  mac: string;
  vendor: string | null;
  /** True for locally administered (randomised) addresses. */
  isRandomisedMac: boolean;
  hostname: string | null;
  vendorClass: string | null;
  firstSeenAt: EpochMicros;
  lastSeenAt: EpochMicros;
  addresses: { addr: string; firstSeenAt: EpochMicros; lastSeenAt: EpochMicros }[];
  services: { port: number; protocol: string; firstSeenAt: EpochMicros; lastSeenAt: EpochMicros }[];
}
