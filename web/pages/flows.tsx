import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, type Flow } from '../api';
import { ErrorBox, Table } from '../components';
import { bytes, endpoint, localTime } from '../format';
import { navigate } from '../router';

const FIELDS = [
  { name: 'device', label: 'Device', placeholder: 'MAC, address or hostname' },
  { name: 'addr', label: 'Address', placeholder: '203.0.113.9 or 10.0.0.0/8' },
  { name: 'port', label: 'Port', placeholder: '443' },
  { name: 'protocol', label: 'Protocol', placeholder: 'tcp, udp, icmp' },
  { name: 'name', label: 'Name', placeholder: 'part of a TLS, HTTP or DNS name' },
  { name: 'since', label: 'Since', placeholder: '24h or 2026-12-01T08:00' },
  { name: 'until', label: 'Until', placeholder: '2026-12-01T09:00' },
] as const;

interface FlowPage {
  flows: Flow[];
  next: string | null;
}

export function FlowsPage(props: { query: URLSearchParams }): JSX.Element {
  const filters = Object.fromEntries(FIELDS.map((f) => [f.name, props.query.get(f.name) ?? '']));
  const key = props.query.toString();
  const [flows, setFlows] = useState<Flow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);

  const load = async (before: string | null): Promise<void> => {
    try {
      const page = await get<FlowPage>('/api/flows', {
        ...filters,
        limit: '50',
        before: before ?? undefined,
      });
      setFlows((shown) => (before === null ? page.flows : [...(shown ?? []), ...page.flows]));
      setNext(page.next);
      setError(null);
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  };
  useEffect(() => {
    setFlows(null);
    void load(null);
  }, [key]);

  const submit = (event: Event): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const query = new URLSearchParams();
    for (const field of FIELDS) {
      const entry = form.get(field.name);
      const value = typeof entry === 'string' ? entry.trim() : '';
      if (value !== '') query.set(field.name, value);
    }
    navigate(`/flows${query.size > 0 ? `?${query.toString()}` : ''}`);
  };

  return (
    <>
      <h1>Flows</h1>
      <form class="filters" onSubmit={submit} key={key}>
        {FIELDS.map((f) => (
          <label key={f.name}>
            {f.label}
            <input name={f.name} defaultValue={filters[f.name]} placeholder={f.placeholder} />
          </label>
        ))}
        <div class="filter-actions">
          <button type="submit">Filter</button>
          <button type="button" class="secondary" onClick={() => navigate('/flows')}>
            Clear
          </button>
        </div>
      </form>
      {error && <ErrorBox error={error} />}
      {flows === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          <Table
            head={['started', 'protocol', 'from', 'to', 'name', 'sent', 'received', 'status']}
            empty={flows.length === 0}
          >
            {flows.map((f) => (
              <tr key={f.id} class="flow-row">
                <td>{localTime(f.firstSeenAt)}</td>
                <td>{f.protocol}</td>
                <td class="mono">{endpoint(f.srcAddr, f.srcPort)}</td>
                <td class="mono">{endpoint(f.dstAddr, f.dstPort)}</td>
                <td>{f.serverName ?? f.dnsName ?? ''}</td>
                <td class="num">{bytes(f.srcBytes)}</td>
                <td class="num">{bytes(f.dstBytes)}</td>
                <td>{f.status}</td>
              </tr>
            ))}
          </Table>
          {next !== null && (
            <button type="button" class="secondary" onClick={() => void load(next)}>
              Older flows
            </button>
          )}
        </>
      )}
    </>
  );
}
