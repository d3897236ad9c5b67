import type { Alert } from '../records/index.js';
import type { Store } from '../store/index.js';

/** An indicator an alert names, with where it came from and when it was listed. */
export interface AlertIndicator {
  id: string;
  source: string;
  type: string;
  value: string;
  threat: string | null;
  malwareFamily: string | null;
  confidence: number | null;
  reference: string | null;
  /** The source's own first and last seen (ISO 8601), when it gives them. */
  sourceFirstSeenAt: string | null;
  sourceLastSeenAt: string | null;
  /** Each period the feed listed it; `until` is null while it still does. */
  listings: { from: string; until: string | null }[];
}

/**
 * The indicators of an alert, read by id. Ids come from the alert row, and each is bound as a
 * parameter; an id no longer stored (a feed's entries are never deleted, but a database may be
 * rebuilt) is left out.
 */
export async function describeIndicators(store: Store, alert: Alert): Promise<AlertIndicator[]> {
  const found: AlertIndicator[] = [];
  for (const id of alert.indicatorIds.slice(0, 20)) {
    const result = await store.query(
      `SELECT CAST(id AS VARCHAR) AS id, source, type, value, threat, malware_family, confidence, reference,
              source_first_seen_at, source_last_seen_at
       FROM indicators WHERE id = TRY_CAST($1 AS UUID)`,
      [id],
    );
    const row = result.rows[0];
    if (row === undefined) continue;
    const listings = await store.query(
      `SELECT listed_from, listed_until FROM indicator_listings
       WHERE indicator_id = TRY_CAST($1 AS UUID) ORDER BY listed_from`,
      [id],
    );
    found.push({
      id: String(row['id']),
      source: String(row['source']),
      type: String(row['type']),
      value: String(row['value']),
      threat: textOrNull(row['threat']),
      malwareFamily: textOrNull(row['malware_family']),
      confidence: typeof row['confidence'] === 'number' ? row['confidence'] : null,
      reference: textOrNull(row['reference']),
      sourceFirstSeenAt: textOrNull(row['source_first_seen_at']),
      sourceLastSeenAt: textOrNull(row['source_last_seen_at']),
      listings: listings.rows.map((listing) => ({
        from: String(listing['listed_from']),
        until: textOrNull(listing['listed_until']),
      })),
    });
  }
  return found;
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
