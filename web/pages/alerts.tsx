import type { JSX } from 'preact';
import { get, type AlertSummary } from '../api';
import { Link, Severity, Show, Status, Table, useLoad } from '../components';
import { localTime } from '../format';
import { navigate } from '../router';

const STATUSES = ['', 'open', 'acknowledged', 'closed'];
const SEVERITIES = ['', 'low', 'medium', 'high', 'critical'];

export function AlertsPage(props: { query: URLSearchParams }): JSX.Element {
  const status = props.query.get('status') ?? '';
  const severity = props.query.get('severity') ?? '';
  const q = props.query.get('q') ?? '';
  const rule = props.query.get('rule') ?? '';
  const key = props.query.toString();
  const [loaded] = useLoad(
    () => get<{ alerts: AlertSummary[] }>('/api/alerts', { status, severity, q, rule }),
    key,
  );
  const go = (changes: Record<string, string>): void => {
    const query = new URLSearchParams({ status, severity, q, rule, ...changes });
    for (const [name, value] of [...query.entries()]) if (value === '') query.delete(name);
    navigate(`/alerts${query.size > 0 ? `?${query.toString()}` : ''}`);
  };
  return (
    <>
      <h1>Alerts</h1>
      <form
        class="filters"
        key={key}
        onSubmit={(event) => {
          event.preventDefault();
          const q = new FormData(event.currentTarget).get('q');
          go({ q: typeof q === 'string' ? q.trim() : '' });
        }}
      >
        <label>
          Status
          <select name="status" value={status} onChange={(e) => go({ status: e.currentTarget.value })}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'any' : s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity at least
          <select name="severity" value={severity} onChange={(e) => go({ severity: e.currentTarget.value })}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'any' : s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input name="q" defaultValue={q} placeholder="title or remote address" />
        </label>
        <div class="filter-actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      <Show loaded={loaded}>
        {({ alerts }) => (
          <Table
            head={['last seen', 'severity', 'status', 'title', 'device', 'count']}
            empty={alerts.length === 0}
          >
            {alerts.map((a) => (
              <tr key={a.id} class="alert-row">
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
                <td>
                  {a.deviceMac ? (
                    <Link href={`/devices/${encodeURIComponent(a.deviceMac)}`}>
                      {a.deviceName ?? a.deviceMac}
                    </Link>
                  ) : (
                    (a.deviceName ?? '—')
                  )}
                </td>
                <td class="num">{a.count}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
    </>
  );
}
