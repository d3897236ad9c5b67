import type { JSX } from 'preact';
import { get } from '../api';
import { Show, Table, useLoad } from '../components';
import { count, localTime } from '../format';

interface Feed {
  name: string;
  enabled: boolean;
  builtin: boolean;
  format: string;
  health: string;
  problem: string | null;
  activeIndicators: number;
  lastRun: {
    startedAt: string;
    status: string;
    added: number;
    updated: number;
    removed: number;
    errorMessage: string | null;
  } | null;
}

export function FeedsPage(): JSX.Element {
  const [loaded] = useLoad(() => get<{ feeds: Feed[] }>('/api/feeds'), 'feeds');
  return (
    <>
      <h1>Feeds</h1>
      <Show loaded={loaded}>
        {({ feeds }) => {
          const shown = [...feeds].sort(
            (a, b) => Number(b.enabled) - Number(a.enabled) || a.name.localeCompare(b.name),
          );
          return (
            <Table
              head={['feed', 'health', 'indicators', 'last run', 'result', 'problem']}
              empty={shown.length === 0}
            >
              {shown.map((f) => (
                <tr key={f.name} class={f.enabled ? '' : 'disabled'}>
                  <td>
                    {f.name}
                    <div class="muted small">
                      {f.format}
                      {f.enabled ? '' : ' · off'}
                    </div>
                  </td>
                  <td>
                    <span class={`badge health-${f.health}`}>{f.health}</span>
                  </td>
                  <td class="num">{count(f.activeIndicators)}</td>
                  <td>{f.lastRun ? localTime(f.lastRun.startedAt) : 'never'}</td>
                  <td>
                    {f.lastRun
                      ? `${f.lastRun.status}: +${f.lastRun.added} ~${f.lastRun.updated} −${f.lastRun.removed}`
                      : '—'}
                  </td>
                  <td>{f.problem ?? f.lastRun?.errorMessage ?? ''}</td>
                </tr>
              ))}
            </Table>
          );
        }}
      </Show>
    </>
  );
}
