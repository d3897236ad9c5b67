import type { JSX } from 'preact';
import { get, type AlertSummary, type Device } from '../api';
import { Link, Severity, Show, Status, Table, useLoad } from '../components';
import { bytes, count, localTime } from '../format';

export function deviceName(device: Device): string {
  return device.hostname ?? device.vendor ?? device.mac;
}

export function DevicesPage(): JSX.Element {
  const [loaded] = useLoad(() => get<{ devices: Device[] }>('/api/devices'), 'devices');
  return (
    <>
      <h1>Devices</h1>
      <Show loaded={loaded}>
        {({ devices }) => (
          <Table head={['name', 'vendor', 'MAC', 'addresses', 'last seen']} empty={devices.length === 0}>
            {devices.map((d) => (
              <tr key={d.mac}>
                <td>
                  <Link href={`/devices/${encodeURIComponent(d.mac)}`}>{deviceName(d)}</Link>
                </td>
                <td>{d.vendor ?? '—'}</td>
                <td class="mono">{d.mac}</td>
                <td class="mono">
                  {d.addresses
                    .slice(0, 3)
                    .map((a) => a.addr)
                    .join(', ')}
                </td>
                <td>{localTime(d.lastSeenAt)}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
    </>
  );
}

interface DeviceDetail {
  device: Device;
  peers: {
    addr: string;
    name: string | null;
    flows: number;
    bytes: number;
    ports: number[];
    lastSeenAt: string;
  }[];
  alerts: AlertSummary[];
}

export function DevicePage(props: { mac: string }): JSX.Element {
  const [loaded] = useLoad(
    () => get<DeviceDetail>(`/api/devices/${encodeURIComponent(props.mac)}`),
    props.mac,
  );
  return (
    <Show loaded={loaded}>
      {({ device, peers, alerts }) => (
        <>
          <h1>{deviceName(device)}</h1>
          <dl class="facts">
            <dt>MAC</dt>
            <dd class="mono">
              {device.mac}
              {device.isRandomisedMac && ' (randomised)'}
            </dd>
            <dt>Vendor</dt>
            <dd>{device.vendor ?? '—'}</dd>
            <dt>Hostname</dt>
            <dd>{device.hostname ?? '—'}</dd>
            <dt>First seen</dt>
            <dd>{localTime(device.firstSeenAt)}</dd>
            <dt>Last seen</dt>
            <dd>{localTime(device.lastSeenAt)}</dd>
            <dt>Addresses</dt>
            <dd class="mono">{device.addresses.map((a) => a.addr).join(', ') || '—'}</dd>
            <dt>Services it offers</dt>
            <dd>{device.services.map((s) => `${s.port}/${s.protocol}`).join(', ') || 'none seen'}</dd>
          </dl>
          <p>
            <Link href={`/flows?device=${encodeURIComponent(device.mac)}`}>Flows of this device</Link>
          </p>
          <section>
            <h2>Alerts</h2>
            <Table head={['last seen', 'severity', 'status', 'title']} empty={alerts.length === 0}>
              {alerts.map((a) => (
                <tr key={a.id}>
                  <td>{localTime(a.lastSeenAt)}</td>
                  <td>
                    <Severity severity={a.severity} />
                  </td>
                  <td>
                    <Status status={a.status} />
                  </td>
                  <td>
                    <Link href={`/alerts/${a.id}`}>{a.title}</Link>
                  </td>
                </tr>
              ))}
            </Table>
          </section>
          <section>
            <h2>What it talks to</h2>
            <Table head={['remote host', 'ports', 'flows', 'bytes', 'last seen']} empty={peers.length === 0}>
              {peers.map((p) => (
                <tr key={p.addr}>
                  <td>
                    {p.name ?? p.addr}
                    {p.name && <div class="muted small mono">{p.addr}</div>}
                  </td>
                  <td>{p.ports.join(', ')}</td>
                  <td class="num">{count(p.flows)}</td>
                  <td class="num">{bytes(p.bytes)}</td>
                  <td>{localTime(p.lastSeenAt)}</td>
                </tr>
              ))}
            </Table>
          </section>
        </>
      )}
    </Show>
  );
}
