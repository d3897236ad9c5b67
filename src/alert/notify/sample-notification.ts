import type { Alert, EpochMicros } from '../../records/index.js';
import type { Notification } from './notification.js';

/**
 * A realistic alert for `yamori notify test`: a tablet talking to a botnet controller that the
 * Feodo Tracker lists. Addresses are from the documentation ranges (RFC 5737), so nothing real.
 */
export function sampleNotification(now: EpochMicros, dashboardUrl: string | null): Notification {
  const minute = 60_000_000;
  const id = 'test-0000000000000001';
  const url = dashboardUrl === null ? null : `${dashboardUrl}/alerts/${id}`;
  const alert: Alert = {
    id,
    ruleId: 'intel-outbound-to-c2-address',
    ruleVersion: 'sample',
    severity: 'high',
    title: 'kids-tablet contacted C2 203.0.113.9 (qakbot)',
    dedupKey: 'sample',
    firstSeenAt: now - 14 * minute,
    lastSeenAt: now - 2 * minute,
    count: 4,
    status: 'open',
    createdAt: now - minute,
    updatedAt: now - minute,
    deviceMac: 'a4:83:e7:12:34:56',
    deviceName: 'kids-tablet',
    remoteAddr: '203.0.113.9',
    indicatorIds: ['sample-indicator'],
    indicatorSources: ['feodo'],
    evidence: [{ src_addr: '192.168.1.23', dst_addr: '203.0.113.9', dst_port: 443, protocol: 'tcp' }],
    provenance: [],
  };
  return {
    kind: 'test',
    severity: 'high',
    title: `Test: ${alert.title}`,
    url,
    createdAt: now,
    alerts: [
      {
        alert,
        url,
        rule: {
          id: 'intel-outbound-to-c2-address',
          title: 'Device talked to a known command-and-control address',
          description:
            'A device on the home network opened a connection to an address that a threat-intel feed lists as botnet command-and-control.',
          triage:
            "Check which app on the device made the connection; unplug it from the network if you don't recognise it, and run a malware scan.",
          references: ['https://feodotracker.abuse.ch/'],
          tags: ['attack.t1071', 'intel'],
        },
        device: {
          mac: 'a4:83:e7:12:34:56',
          name: 'kids-tablet',
          vendor: 'Apple, Inc.',
          addresses: ['192.168.1.23'],
        },
        remote: {
          addr: '203.0.113.9',
          names: ['update-check.example.net'],
          asn: 64_500,
          asOrg: 'Example Hosting',
          country: 'NL',
          ptr: null,
        },
        indicators: [
          {
            id: 'sample-indicator',
            source: 'feodo',
            type: 'ipv4',
            value: '203.0.113.9',
            threat: 'botnet_cc',
            malwareFamily: 'qakbot',
            reference: 'https://feodotracker.abuse.ch/browse/host/203.0.113.9/',
            listedAt: now - 3 * 24 * 60 * minute,
          },
        ],
      },
    ],
  };
}
