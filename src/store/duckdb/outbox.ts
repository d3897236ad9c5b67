/**
 * The alert outbox in DuckDB: routing decisions, deliveries and status changes (migration 5).
 * Writers run inside the store's write transaction; readers on its read connection.
 */
import {
  INTEGER,
  LIST,
  listValue,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from './duckdb-api.js';
import { isAlertStatus, type Alert, type EpochMicros } from '../../records/index.js';
import type {
  AlertRouting,
  AlertStatusChange,
  Delivery,
  DeliveryAttempt,
  DeliveryDraft,
  DeliveryFilter,
  DeliveryKind,
  DeliveryState,
} from '../store.js';
import { routingFromColumns } from '../alert-rows.js';
import { ALERT_COLUMNS, alertFromRow, DUCKDB_VALUES, textList } from './alerts.js';
import { timestampTz, toNumber, toStringOrNull, toText } from './duckdb-values.js';
import { limitOf, SqlConditions } from './sql-conditions.js';

export async function readAlertById(connection: DuckDBConnection, id: string): Promise<Alert | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const reader = await connection.runAndReadAll(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $id::UUID`,
    { id },
    { id: VARCHAR },
  );
  const row = reader.getRowObjects()[0];
  return row === undefined ? null : alertFromRow(row);
}

export async function readUnroutedAlerts(connection: DuckDBConnection, limit?: number): Promise<Alert[]> {
  const reader = await connection.runAndReadAll(
    `SELECT ${ALERT_COLUMNS} FROM alerts
     WHERE id NOT IN (SELECT alert_id FROM alert_routing)
     ORDER BY created_at, id LIMIT ${limitOf(limit, 100)}`,
  );
  return reader.getRowObjects().map(alertFromRow);
}

/** Compare-and-set of an alert's status, with its event row. */
export async function changeStatus(
  connection: DuckDBConnection,
  change: AlertStatusChange,
): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    `UPDATE alerts SET status = $to, updated_at = $at WHERE id = $id::UUID AND status = $from RETURNING id`,
    { id: change.alertId, from: change.from, to: change.to, at: timestampTz(change.at) },
    { id: VARCHAR, from: VARCHAR, to: VARCHAR },
  );
  if (reader.getRowObjects().length === 0) return false;
  await connection.run(
    `INSERT INTO alert_events (alert_id, changed_at, from_status, to_status, comment) VALUES ($id::UUID, $at, $from, $to, $comment)`,
    {
      id: change.alertId,
      at: timestampTz(change.at),
      from: change.from,
      to: change.to,
      comment: change.comment,
    },
    { id: VARCHAR, from: VARCHAR, to: VARCHAR, comment: VARCHAR },
  );
  return true;
}

export async function readAlertEvents(
  connection: DuckDBConnection,
  alertId: string,
): Promise<AlertStatusChange[]> {
  const reader = await connection.runAndReadAll(
    `SELECT CAST(alert_id AS VARCHAR) AS alert_id, epoch_us(changed_at) AS at, from_status, to_status, comment
     FROM alert_events WHERE alert_id = TRY_CAST($id AS UUID) ORDER BY changed_at`,
    { id: alertId },
    { id: VARCHAR },
  );
  return reader.getRowObjects().map((row) => {
    const from = toText(row['from_status']);
    const to = toText(row['to_status']);
    return {
      alertId: toText(row['alert_id']),
      at: toNumber(row['at']),
      from: isAlertStatus(from) ? from : 'open',
      to: isAlertStatus(to) ? to : 'open',
      comment: toStringOrNull(row['comment']),
    };
  });
}

export async function insertRouting(
  connection: DuckDBConnection,
  routings: readonly AlertRouting[],
  drafts: readonly DeliveryDraft[],
): Promise<void> {
  for (const routing of routings) {
    await connection.run(
      `INSERT INTO alert_routing (alert_id, routed_at, routes, severity, notified, digested, suppressed, blocked, throttle_key)
       VALUES ($id::UUID, $at, $routes, $severity, $notified, $digested, $suppressed, $blocked, $throttle)`,
      {
        id: routing.alertId,
        at: timestampTz(routing.routedAt),
        routes: listValue(routing.routes),
        severity: routing.severity,
        notified: listValue(routing.notified),
        digested: listValue(routing.digested),
        suppressed: routing.suppressed,
        blocked: routing.blocked,
        throttle: routing.throttleKey,
      },
      {
        id: VARCHAR,
        routes: LIST(VARCHAR),
        severity: VARCHAR,
        notified: LIST(VARCHAR),
        digested: LIST(VARCHAR),
        throttle: VARCHAR,
      },
    );
  }
  for (const draft of drafts) {
    const [existing] = await selectDeliveries(
      connection,
      `WHERE key = $key`,
      { key: draft.key },
      { key: VARCHAR },
    );
    if (existing === undefined) {
      await connection.run(
        `INSERT INTO deliveries (key, kind, channel, route, alert_ids, state, attempts, next_attempt_at,
           last_error, created_at, updated_at, sent_at)
         VALUES ($key, $kind, $channel, $route, $ids, 'pending', 0, $next, NULL, $created, $created, NULL)`,
        {
          key: draft.key,
          kind: draft.kind,
          channel: draft.channel,
          route: draft.route,
          ids: listValue(draft.alertIds),
          next: timestampTz(draft.nextAttemptAt),
          created: timestampTz(draft.createdAt),
        },
        { key: VARCHAR, kind: VARCHAR, channel: VARCHAR, route: VARCHAR, ids: LIST(VARCHAR) },
      );
    } else if (existing.kind === 'digest' && existing.state === 'pending' && existing.attempts === 0) {
      const ids = [...new Set([...existing.alertIds, ...draft.alertIds])];
      await connection.run(
        `UPDATE deliveries SET alert_ids = $ids, updated_at = $at WHERE key = $key`,
        { key: draft.key, ids: listValue(ids), at: timestampTz(draft.createdAt) },
        { key: VARCHAR, ids: LIST(VARCHAR) },
      );
    }
  }
}

const ROUTING_COLUMNS = `CAST(alert_id AS VARCHAR) AS alert_id, epoch_us(routed_at) AS routed_at, routes,
  severity, notified, digested, suppressed, blocked, throttle_key`;

export async function readRoutings(
  connection: DuckDBConnection,
  alertIds: readonly string[],
): Promise<AlertRouting[]> {
  if (alertIds.length === 0) return [];
  const reader = await connection.runAndReadAll(
    `SELECT ${ROUTING_COLUMNS} FROM alert_routing WHERE list_contains($ids, CAST(alert_id AS VARCHAR))`,
    { ids: listValue([...alertIds]) },
    { ids: LIST(VARCHAR) },
  );
  return reader.getRowObjects().map((row) => routingFromColumns(row, DUCKDB_VALUES));
}

export async function readNotifiedThrottleKeys(
  connection: DuckDBConnection,
  keys: readonly string[],
  since: EpochMicros,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const reader = await connection.runAndReadAll(
    `SELECT DISTINCT throttle_key FROM alert_routing
     WHERE list_contains($keys, throttle_key) AND routed_at >= $since AND NOT suppressed
       AND (len(notified) > 0 OR len(digested) > 0)`,
    { keys: listValue([...keys]), since: timestampTz(since) },
    { keys: LIST(VARCHAR) },
  );
  return reader.getRowObjects().map((row) => toText(row['throttle_key']));
}

export async function readDeliveries(
  connection: DuckDBConnection,
  filter: DeliveryFilter,
): Promise<Delivery[]> {
  const c = new SqlConditions();
  if (filter.alertId !== undefined) c.add(`list_contains(alert_ids, ${c.param(filter.alertId)})`);
  if (filter.dueAt !== undefined) {
    c.add(`state IN ('pending', 'failed') AND next_attempt_at <= ${c.time(filter.dueAt)}`);
  }
  if (filter.states !== undefined && filter.states.length > 0) {
    c.add(`state IN (${filter.states.map((state) => c.param(state)).join(', ')})`);
  }
  return selectDeliveries(
    connection,
    `${c.where()} ORDER BY coalesce(next_attempt_at, created_at), created_at, key LIMIT ${limitOf(filter.limit, 100)}`,
    c.values,
    c.types,
  );
}

export async function updateDelivery(connection: DuckDBConnection, attempt: DeliveryAttempt): Promise<void> {
  await connection.run(
    `UPDATE deliveries SET state = $state, attempts = $attempts, next_attempt_at = $next, last_error = $error,
       updated_at = $at, sent_at = CASE WHEN $state = 'sent' THEN $at ELSE sent_at END
     WHERE key = $key`,
    {
      key: attempt.key,
      state: attempt.state,
      attempts: attempt.attempts,
      next: attempt.nextAttemptAt === null ? null : timestampTz(attempt.nextAttemptAt),
      error: attempt.lastError,
      at: timestampTz(attempt.at),
    },
    { key: VARCHAR, state: VARCHAR, attempts: INTEGER, error: VARCHAR },
  );
}

async function selectDeliveries(
  connection: DuckDBConnection,
  tail: string,
  values: Record<string, DuckDBValue>,
  types: Record<string, DuckDBType | undefined>,
): Promise<Delivery[]> {
  const reader = await connection.runAndReadAll(
    `SELECT key, kind, channel, route, alert_ids, state, attempts, epoch_us(next_attempt_at) AS next_attempt_at,
       last_error, epoch_us(created_at) AS created_at, epoch_us(updated_at) AS updated_at,
       epoch_us(sent_at) AS sent_at
     FROM deliveries ${tail}`,
    values,
    types,
  );
  return reader.getRowObjects().map((row) => ({
    key: toText(row['key']),
    kind: toText(row['kind']) as DeliveryKind,
    channel: toText(row['channel']),
    route: toStringOrNull(row['route']),
    alertIds: textList(row['alert_ids']),
    state: toText(row['state']) as DeliveryState,
    attempts: toNumber(row['attempts']),
    nextAttemptAt: row['next_attempt_at'] === null ? null : toNumber(row['next_attempt_at']),
    lastError: toStringOrNull(row['last_error']),
    createdAt: toNumber(row['created_at']),
    updatedAt: toNumber(row['updated_at']),
    sentAt: row['sent_at'] === null ? null : toNumber(row['sent_at']),
  }));
}
