import type { JSX } from 'preact';
import { get } from '../api';
import { Link, Show, Table, useLoad } from '../components';
import { bytes, count } from '../format';
import { navigate } from '../router';
import { TrafficChart, type TrafficPoint } from '../traffic-chart';

interface Overview {
  range: string;
  traffic: TrafficPoint[];
  flows: number;
  devices: number;
  topDevices: { mac: string | null; addr: string; name: string | null; bytes: number; flows: number }[];
  topRemotes: { addr: string; name: string | null; bytes: number; flows: number; devices: number }[];
  remotes: { countries: Group[]; asns: Group[] };
  alerts: { status: string; severity: string; count: number }[];
  feeds: {
    enabled: number;
    healthy: number;
    problems: { name: string; status: string; problem: string | null }[];
  };
}

interface Group {
  key: string;
  bytes: number;
  flows: number;
}

const RANGES = ['1h', '6h', '24h', '7d', '30d'];
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

export function OverviewPage(props: { query: URLSearchParams }): JSX.Element {
  const range = props.query.get('range') ?? '24h';
  const [loaded] = useLoad(() => get<Overview>('/api/overview', { range }), range);
  return (
    <>
      <div class="title-row">
        <h1>Overview</h1>
        <select
          aria-label="Time range"
          value={range}
          onChange={(e) => navigate(`/?range=${e.currentTarget.value}`)}
        >
          {RANGES.map((r) => (
            <option key={r} value={r}>
              last {r}
            </option>
          ))}
        </select>
      </div>
      <Show loaded={loaded}>
        {(o) => {
          const open = o.alerts.filter((a) => a.status === 'open');
          return (
            <>
              <div class="cards">
                <div class="card">
                  <div class="figure">{count(open.reduce((n, a) => n + a.count, 0))}</div>
                  <Link href="/alerts?status=open">open alerts</Link>
                  <div class="sev-list">
                    {SEVERITIES.map((severity) => {
                      const n = open.filter((a) => a.severity === severity).reduce((m, a) => m + a.count, 0);
                      return n > 0 ? (
                        <span key={severity} class={`badge sev-${severity}`}>
                          {n} {severity}
                        </span>
                      ) : null;
                    })}
                  </div>
                </div>
                <div class="card">
                  <div class="figure">{count(o.flows)}</div>
                  <Link href="/flows">flows</Link>
                </div>
                <div class="card">
                  <div class="figure">{count(o.devices)}</div>
                  <Link href="/devices">devices</Link>
                </div>
                <div class="card">
                  <div class="figure">
                    {o.feeds.healthy}/{o.feeds.enabled}
                  </div>
                  <Link href="/feeds">feeds healthy</Link>
                </div>
              </div>
              <section>
                <h2>Traffic</h2>
                <TrafficChart points={o.traffic} />
              </section>
              <div class="columns">
                <section>
                  <h2>Top devices</h2>
                  <Table head={['device', 'bytes', 'flows']} empty={o.topDevices.length === 0}>
                    {o.topDevices.map((d) => (
                      <tr key={d.mac ?? d.addr}>
                        <td>
                          {d.mac ? (
                            <Link href={`/devices/${encodeURIComponent(d.mac)}`}>{d.name ?? d.mac}</Link>
                          ) : (
                            d.addr
                          )}
                        </td>
                        <td class="num">{bytes(d.bytes)}</td>
                        <td class="num">{count(d.flows)}</td>
                      </tr>
                    ))}
                  </Table>
                </section>
                <section>
                  <h2>Top remote hosts</h2>
                  <Table head={['host', 'bytes', 'devices']} empty={o.topRemotes.length === 0}>
                    {o.topRemotes.map((r) => (
                      <tr key={r.addr}>
                        <td>
                          <Link href={`/flows?addr=${encodeURIComponent(r.addr)}`}>{r.name ?? r.addr}</Link>
                          {r.name && <div class="muted small">{r.addr}</div>}
                        </td>
                        <td class="num">{bytes(r.bytes)}</td>
                        <td class="num">{r.devices}</td>
                      </tr>
                    ))}
                  </Table>
                </section>
                {o.remotes.countries.length > 0 && (
                  <GroupTable title="Top countries" groups={o.remotes.countries} />
                )}
                {o.remotes.asns.length > 0 && (
                  <GroupTable title="Top networks (AS)" groups={o.remotes.asns} />
                )}
              </div>
              {o.feeds.problems.length > 0 && (
                <section>
                  <h2>Feed problems</h2>
                  <ul>
                    {o.feeds.problems.map((p) => (
                      <li key={p.name}>
                        <strong>{p.name}</strong> ({p.status}): {p.problem}
                      </li>
                    ))}
                  </ul>
                </section>
              )}
            </>
          );
        }}
      </Show>
    </>
  );
}

function GroupTable(props: { title: string; groups: Group[] }): JSX.Element {
  return (
    <section>
      <h2>{props.title}</h2>
      <Table head={['', 'bytes', 'flows']}>
        {props.groups.map((g) => (
          <tr key={g.key}>
            <td>{g.key}</td>
            <td class="num">{bytes(g.bytes)}</td>
            <td class="num">{count(g.flows)}</td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
