import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { get, post, type AlertStatus, type AlertSummary } from '../api';
import { ErrorBox, Link, Severity, Show, Status, Table, useLoad } from '../components';
import { localTime } from '../format';

interface AlertDetail {
  alert: AlertSummary & { evidence: Record<string, unknown>[] };
  events: { from: string; to: string; at: string; comment: string | null }[];
  indicators: {
    id: string;
    source: string;
    type: string;
    value: string;
    threat: string | null;
    malwareFamily: string | null;
    confidence: number | null;
    reference: string | null;
    listings: { from: string; until: string | null }[];
  }[];
  remote: { asn: number | null; asOrg: string | null; country: string | null } | null;
  rule: {
    id: string;
    title: string;
    description: string;
    triage: string;
    falsePositives: string[];
    references: string[];
  } | null;
}

const ACTIONS: { verb: string; label: string; from: AlertStatus[] }[] = [
  { verb: 'ack', label: 'Acknowledge', from: ['open'] },
  { verb: 'close', label: 'Close', from: ['open', 'acknowledged'] },
  { verb: 'reopen', label: 'Reopen', from: ['acknowledged', 'closed'] },
];

/** Only http(s) links are made clickable: a feed's reference is input like any other. */
function safeHref(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? url : undefined;
}

export function AlertPage(props: { id: string }): JSX.Element {
  const [loaded, reload] = useLoad(
    () => get<AlertDetail>(`/api/alerts/${encodeURIComponent(props.id)}`),
    props.id,
  );
  const [comment, setComment] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const act = async (path: string): Promise<void> => {
    try {
      await post(
        `/api/alerts/${encodeURIComponent(props.id)}/${path}`,
        comment.trim() === '' ? {} : { comment },
      );
      setComment('');
      setError(null);
      reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  };
  return (
    <Show loaded={loaded}>
      {({ alert, events, indicators, remote, rule }) => (
        <>
          <h1>{alert.title}</h1>
          <p>
            <Severity severity={alert.severity} /> <Status status={alert.status} />{' '}
            <span class="muted">
              {alert.count}× between {localTime(alert.firstSeenAt)} and {localTime(alert.lastSeenAt)}
            </span>
          </p>
          <dl class="facts">
            <dt>Device</dt>
            <dd>
              {alert.deviceMac ? (
                <Link href={`/devices/${encodeURIComponent(alert.deviceMac)}`}>
                  {alert.deviceName ?? alert.deviceMac}
                </Link>
              ) : (
                (alert.deviceName ?? '—')
              )}
            </dd>
            <dt>Remote</dt>
            <dd class="mono">
              {alert.remoteAddr ?? '—'}
              {remote && (remote.country || remote.asn) && (
                <span class="muted">
                  {' '}
                  {[remote.country, remote.asn ? `AS${remote.asn} ${remote.asOrg ?? ''}` : null]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              )}
            </dd>
            <dt>Rule</dt>
            <dd>{alert.ruleId}</dd>
          </dl>
          <section class="triage">
            <h2>Triage</h2>
            <div class="actions">
              {ACTIONS.filter((a) => a.from.includes(alert.status)).map((a) => (
                <button
                  key={a.verb}
                  type="button"
                  class={a.verb === 'reopen' ? 'secondary' : ''}
                  onClick={() => void act(a.verb)}
                >
                  {a.label}
                </button>
              ))}
            </div>
            <label for="comment">Comment</label>
            <textarea
              id="comment"
              rows={2}
              value={comment}
              onInput={(e) => setComment(e.currentTarget.value)}
            />
            <button
              type="button"
              class="secondary"
              disabled={comment.trim() === ''}
              onClick={() => void act('comment')}
            >
              Add comment
            </button>
            {error && <ErrorBox error={error} />}
            {rule && (
              <>
                <h3>What to do</h3>
                <p>{rule.triage}</p>
                <p class="muted">{rule.description}</p>
                {rule.falsePositives.length > 0 && (
                  <>
                    <h3>Known false positives</h3>
                    <ul>
                      {rule.falsePositives.map((fp) => (
                        <li key={fp}>{fp}</li>
                      ))}
                    </ul>
                  </>
                )}
              </>
            )}
          </section>
          <section>
            <h2>Indicators</h2>
            <Table
              head={['value', 'source', 'threat', 'listed', 'reference']}
              empty={indicators.length === 0}
            >
              {indicators.map((i) => (
                <tr key={i.id}>
                  <td class="mono">
                    {i.value} <span class="muted">({i.type})</span>
                  </td>
                  <td>{i.source}</td>
                  <td>{[i.threat, i.malwareFamily].filter(Boolean).join(', ') || '—'}</td>
                  <td>
                    {i.listings.map((l) => (
                      <div key={l.from}>
                        {localTime(l.from)} – {l.until ? localTime(l.until) : 'still listed'}
                      </div>
                    ))}
                  </td>
                  <td>
                    {i.reference && safeHref(i.reference) ? (
                      <a href={safeHref(i.reference)} rel="noopener noreferrer" target="_blank">
                        {i.reference}
                      </a>
                    ) : (
                      (i.reference ?? '—')
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          </section>
          <section>
            <h2>Evidence</h2>
            <Evidence rows={alert.evidence} />
          </section>
          <section>
            <h2>History</h2>
            <Table head={['when', 'change', 'comment']} empty={events.length === 0}>
              {events.map((e, index) => (
                <tr key={index}>
                  <td>{localTime(e.at)}</td>
                  <td>{e.from === e.to ? 'comment' : `${e.from} → ${e.to}`}</td>
                  <td>{e.comment ?? ''}</td>
                </tr>
              ))}
            </Table>
          </section>
        </>
      )}
    </Show>
  );
}

function Evidence(props: { rows: Record<string, unknown>[] }): JSX.Element {
  const columns = [...new Set(props.rows.flatMap((row) => Object.keys(row)))];
  return (
    <Table head={columns} empty={props.rows.length === 0}>
      {props.rows.map((row, index) => (
        <tr key={index}>
          {columns.map((column) => {
            const value = row[column];
            const text =
              value === null || value === undefined
                ? ''
                : typeof value === 'string'
                  ? value
                  : JSON.stringify(value);
            return (
              <td key={column} class="mono">
                {/_at$/.test(column) && typeof value === 'string' ? localTime(value) : text}
              </td>
            );
          })}
        </tr>
      ))}
    </Table>
  );
}
