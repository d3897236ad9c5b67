import type { DeviceObservation, DnsRecord } from '../records/index.js';

/** What payload inspection reports to, supplied by the flow table. */
export interface InspectionContext {
  readonly sensor: string;
  onDns(record: DnsRecord): void;
  onDevice(observation: DeviceObservation): void;
  /** Notes that `clientAddr` resolved `name` to `answerAddr`, for the `dnsName` of later flows. */
  rememberName(clientAddr: string, answerAddr: string, name: string, seenAtUs: number): void;
}
