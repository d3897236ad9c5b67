import type { JSX } from 'preact';
import { get } from '../api';
import { Link, Severity, Show, Table, useLoad } from '../components';
import { localTime } from '../format';

interface Rule {
  id: string;
  title: string;
  severity: string;
  status: string;
  origin: string;
  openAlerts: number;
  alerts: number;
  state: {
    lastRunAt: string | null;
    lastStatus: string | null;
    lastError: string | null;
    lastDurationMs: number | null;
    lastRows: number | null;
    flowWatermark: string | null;
  } | null;
}

export function RulesPage(): JSX.Element {
  const [loaded] = useLoad(() => get<{ rules: Rule[] }>('/api/rules'), 'rules');
  return (
    <>
      <h1>Rules</h1>
      <Show loaded={loaded}>
        {({ rules }) => (
          <Table
            head={['rule', 'severity', 'last run', 'result', 'checked up to', 'alerts']}
            empty={rules.length === 0}
          >
            {rules.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.title}
                  <div class="muted small mono">
                    {r.id} · {r.status} · {r.origin}
                  </div>
                </td>
                <td>
                  <Severity severity={r.severity} />
                </td>
                <td>{r.state?.lastRunAt ? localTime(r.state.lastRunAt) : 'never'}</td>
                <td>
                  {r.state?.lastStatus ?? '—'}
                  {r.state?.lastRows != null && ` · ${r.state.lastRows} rows`}
                  {r.state?.lastDurationMs != null && ` · ${Math.round(r.state.lastDurationMs)} ms`}
                  {r.state?.lastError && <div class="error-text">{r.state.lastError}</div>}
                </td>
                <td>{localTime(r.state?.flowWatermark)}</td>
                <td class="num">
                  {r.alerts > 0 ? (
                    <Link href={`/alerts?rule=${encodeURIComponent(r.id)}`}>
                      {r.openAlerts} open / {r.alerts}
                    </Link>
                  ) : (
                    0
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
    </>
  );
}
