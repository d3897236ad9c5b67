import { describe, expect, it } from 'vitest';
import { TcpFlag } from '../records/index.js';
import { type Endpoint, S, dhcpMessage, dnsResponse, recordingTable, tcp, udp } from './testing.js';

const client: Endpoint = { addr: '192.168.1.10', port: 50000, mac: '02:00:00:00:00:0a' };
const resolver: Endpoint = { addr: '192.168.1.1', port: 53, mac: '02:00:00:00:00:01' };
const web: Endpoint = { addr: '93.184.216.34', port: 443 };
const T0 = 1_700_000_000 * S;

describe('inspectUdpPayload: DNS', () => {
  it('reports one record per answer of a response, with the client and the server', () => {
    const { table, dns } = recordingTable();
    table.add(
      T0,
      udp(resolver, client, dnsResponse('example.com', ['93.184.216.34', '93.184.216.35'])),
      null,
    );
    expect(dns).toEqual(
      ['93.184.216.34', '93.184.216.35'].map((answer) => ({
        seenAt: T0,
        clientAddr: client.addr,
        serverAddr: resolver.addr,
        queryName: 'example.com',
        answerName: 'example.com',
        answerType: 'A',
        answer,
        ttl: 300,
        rcode: 'NOERROR',
        transport: 'udp',
        sensor: 'test-sensor',
      })),
    );
    expect(table.stats().dnsRecords).toBe(2);
  });

  it('reports a failed lookup as one record with an empty answer', () => {
    const { table, dns } = recordingTable();
    table.add(T0, udp(resolver, client, dnsResponse('nx.example', [])), null);
    expect(dns).toEqual([
      expect.objectContaining({ queryName: 'nx.example', rcode: 'NXDOMAIN', answer: '', answerType: 'A' }),
    ]);
  });

  it('ignores queries and datagrams to port 53 that are not DNS', () => {
    const { table, dns } = recordingTable();
    table.add(T0, udp(client, resolver, dnsResponse('q.example', ['1.1.1.1'])), null);
    table.add(T0, udp(resolver, client, Uint8Array.from([1, 2, 3])), null);
    expect(dns).toEqual([]);
  });

  const nameCases: { description: string; flowAtS: number; from: Endpoint; expected: string | null }[] = [
    {
      description: 'names a flow from the client to the answered address',
      flowAtS: 10,
      from: client,
      expected: 'example.com',
    },
    {
      description: 'does not name a flow from another client',
      flowAtS: 10,
      from: { addr: '192.168.1.11', port: 40000 },
      expected: null,
    },
    { description: 'does not name a flow after dnsNameMaxAgeS', flowAtS: 3601, from: client, expected: null },
  ];
  for (const c of nameCases) {
    it(c.description, () => {
      const { table, flows } = recordingTable({ dnsNameMaxAgeS: 3600, tcpIdleTimeoutS: 7200 });
      table.add(T0, udp(resolver, client, dnsResponse('example.com', [web.addr])), null);
      table.add(T0 + c.flowAtS * S, tcp(c.from, web, TcpFlag.SYN), null);
      table.flush('shutdown');
      expect(flows.find((f) => f.protocol === 'tcp')!.dnsName).toBe(c.expected);
    });
  }
});

describe('inspectUdpPayload: DHCP', () => {
  const mac = 'aa:bb:cc:00:11:22';
  const fromClient = { addr: '0.0.0.0', port: 68 };
  const broadcast = { addr: '255.255.255.255', port: 67 };

  it('observes the hostname and vendor class a client sends', () => {
    const { table, devices } = recordingTable();
    table.add(
      T0,
      udp(
        fromClient,
        broadcast,
        dhcpMessage({ op: 1, messageType: 3, clientMac: mac, hostname: 'laptop', vendorClass: 'MSFT 5.0' }),
      ),
      null,
    );
    expect(devices).toEqual([
      {
        mac,
        addr: null,
        seenAt: T0,
        hostname: 'laptop',
        vendorClass: 'MSFT 5.0',
        service: null,
        sensor: 'test-sensor',
      },
    ]);
  });

  it('observes the address a server ACK assigns, and ignores an offer', () => {
    const { table, devices } = recordingTable();
    const server = { addr: '192.168.1.1', port: 67 };
    const to = { addr: '192.168.1.50', port: 68 };
    table.add(
      T0,
      udp(server, to, dhcpMessage({ op: 2, messageType: 2, clientMac: mac, yourAddr: '192.168.1.50' })),
      null,
    );
    table.add(
      T0,
      udp(server, to, dhcpMessage({ op: 2, messageType: 5, clientMac: mac, yourAddr: '192.168.1.50' })),
      null,
    );
    expect(devices).toEqual([expect.objectContaining({ mac, addr: '192.168.1.50', hostname: null })]);
  });
});

describe('createFlowTable: device observations from flows', () => {
  it('observes a home initiator once per flow, not once per packet', () => {
    const { table, devices } = recordingTable();
    for (let i = 0; i < 5; i++) table.add(T0 + i, udp(client, { addr: '8.8.8.8', port: 53 }), null);
    table.flush('shutdown');
    expect(devices).toEqual([
      {
        mac: client.mac,
        addr: client.addr,
        seenAt: T0 + 4,
        hostname: null,
        vendorClass: null,
        service: null,
        sensor: 'test-sensor',
      },
    ]);
  });

  it('records a service on a home responder that answered the handshake', () => {
    const outside: Endpoint = { addr: '203.0.113.5', port: 61000, mac: '02:00:00:00:00:99' };
    const nas: Endpoint = { addr: '192.168.1.20', port: 22, mac: '02:00:00:00:00:20' };
    const { table, devices } = recordingTable();
    table.add(T0, tcp(outside, nas, TcpFlag.SYN), null);
    table.add(T0, tcp(nas, outside, TcpFlag.SYN | TcpFlag.ACK), null);
    table.flush('shutdown');
    expect(devices).toEqual([
      expect.objectContaining({ mac: nas.mac, addr: nas.addr, service: { port: 22, protocol: 'tcp' } }),
    ]);
  });

  it('records no service for a home responder that refused the connection', () => {
    const nas: Endpoint = { addr: '192.168.1.20', port: 23, mac: '02:00:00:00:00:20' };
    const { table, devices } = recordingTable();
    table.add(T0, tcp(client, nas, TcpFlag.SYN), null);
    table.add(T0, tcp(nas, client, TcpFlag.RST | TcpFlag.ACK), null);
    table.flush('shutdown');
    expect(devices.map((d) => [d.addr, d.service])).toEqual([
      [client.addr, null],
      [nas.addr, null],
    ]);
  });

  it('records a UDP service on a home responder that replied', () => {
    const { table, devices } = recordingTable();
    table.add(T0, udp(client, resolver), null);
    table.add(T0, udp(resolver, client), null);
    table.flush('shutdown');
    expect(devices.find((d) => d.addr === resolver.addr)!.service).toEqual({ port: 53, protocol: 'udp' });
  });
});
