import type { DuckDBConnection } from './duckdb-api.js';
import { YamoriError } from '../../errors/index.js';
import type { EpochMicros } from '../../records/index.js';
import type { MigrationResult } from '../store.js';
import { errorMessage, timestampTz } from './duckdb-values.js';

/**
 * One schema change. Steps run in order inside one transaction with the version bump, so a failure
 * leaves the database at the previous version. A released migration is never edited: change the
 * schema by appending a new one.
 */
export interface Migration {
  version: number;
  name: string;
  steps: readonly string[];
}

/*
 * Time columns are TIMESTAMPTZ: DuckDB stores them as UTC microseconds, comparisons with now() and
 * with other instants are correct whatever the session time zone, and the DuckDB shell shows them in
 * local time (ARCHITECTURE.md: UTC in storage, local time in what a person reads). The appender
 * writes the raw microseconds, so no zone conversion happens on the way in.
 *
 * `src_addr_num`/`dst_addr_num` (and `answer_addr_num` in dns) hold the address as a 128-bit number
 * (address-number.ts): threat-intel CIDRs become numeric ranges matched with BETWEEN.
 *
 * No indexes on flows and dns: they are append-only and scanned by time, where DuckDB's per-row-group
 * min/max (zonemaps) already skip most data, and an ART index would slow every append. The device
 * tables are small and need their primary keys for INSERT ... ON CONFLICT.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'flows, dns, devices and the flow_logs view',
    steps: [
      `CREATE TABLE flows (
        id VARCHAR NOT NULL,
        protocol VARCHAR NOT NULL,
        src_addr VARCHAR NOT NULL,
        dst_addr VARCHAR NOT NULL,
        src_port INTEGER NOT NULL,
        dst_port INTEGER NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        src_bytes BIGINT NOT NULL,
        dst_bytes BIGINT NOT NULL,
        src_packets BIGINT NOT NULL,
        dst_packets BIGINT NOT NULL,
        status VARCHAR NOT NULL,
        ip_proto UTINYINT NOT NULL,
        ip_version UTINYINT NOT NULL,
        src_payload_bytes BIGINT NOT NULL,
        dst_payload_bytes BIGINT NOT NULL,
        end_reason VARCHAR NOT NULL,
        community_id VARCHAR NOT NULL,
        sensor VARCHAR NOT NULL,
        interface VARCHAR,
        src_mac VARCHAR,
        dst_mac VARCHAR,
        vlan USMALLINT,
        inner_vlan USMALLINT,
        direction VARCHAR NOT NULL,
        server_name VARCHAR,
        dns_name VARCHAR,
        ja3 VARCHAR,
        ja4 VARCHAR,
        tls_cert_sha1 VARCHAR,
        tls_version VARCHAR,
        alpn VARCHAR,
        src_tcp_flags UTINYINT NOT NULL,
        dst_tcp_flags UTINYINT NOT NULL,
        ingested_at TIMESTAMPTZ NOT NULL,
        src_addr_num UHUGEINT,
        dst_addr_num UHUGEINT
      )`,
      `CREATE VIEW flow_logs AS
        SELECT id, protocol, src_addr, dst_addr, src_port, dst_port, first_seen_at, last_seen_at,
               src_bytes, dst_bytes, src_packets, dst_packets, status
        FROM flows`,
      `CREATE TABLE dns (
        seen_at TIMESTAMPTZ NOT NULL,
        client_addr VARCHAR NOT NULL,
        server_addr VARCHAR NOT NULL,
        query_name VARCHAR NOT NULL,
        answer_name VARCHAR NOT NULL,
        answer_type VARCHAR NOT NULL,
        answer VARCHAR NOT NULL,
        ttl UINTEGER NOT NULL,
        rcode VARCHAR NOT NULL,
        transport VARCHAR NOT NULL,
        sensor VARCHAR NOT NULL,
        ingested_at TIMESTAMPTZ NOT NULL,
        answer_addr_num UHUGEINT
      )`,
      `CREATE TABLE devices (
        mac VARCHAR PRIMARY KEY,
        vendor VARCHAR,
        is_randomised_mac BOOLEAN NOT NULL,
        hostname VARCHAR,
        vendor_class VARCHAR,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        hostname_seen_at TIMESTAMPTZ,
        vendor_class_seen_at TIMESTAMPTZ
      )`,
      `CREATE TABLE device_addresses (
        mac VARCHAR NOT NULL,
        addr VARCHAR NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (mac, addr)
      )`,
      `CREATE TABLE device_services (
        mac VARCHAR NOT NULL,
        port INTEGER NOT NULL,
        protocol VARCHAR NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (mac, port, protocol)
      )`,
    ],
  },
  {
    version: 2,
    name: 'threat intelligence: indicators, listing periods, feed runs, allow-list and per-source views',
    steps: [
      // No primary key or index: a snapshot is diffed with set-based joins over the whole feed
      // (indicator-snapshot.ts), which hash joins do faster than an ART index, and an index would slow
      // every bulk insert and update. The snapshot code keeps (source, type, value, port) unique.
      // fields_hash is bookkeeping: DuckDB's hash() of the source fields as last written, so that telling
      // an unchanged indicator from an updated one compares one number rather than eleven columns. Should
      // a DuckDB upgrade change hash(), each feed's next snapshot counts every indicator updated once.
      `CREATE TABLE indicators (
        id UUID NOT NULL,
        source VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        port INTEGER,
        range_start UHUGEINT,
        range_end UHUGEINT,
        range_start_addr VARCHAR,
        range_end_addr VARCHAR,
        threat VARCHAR,
        malware_family VARCHAR,
        confidence UTINYINT CHECK (confidence <= 100),
        tags VARCHAR[] NOT NULL,
        reference VARCHAR,
        source_first_seen_at TIMESTAMPTZ,
        source_last_seen_at TIMESTAMPTZ,
        valid_from TIMESTAMPTZ,
        valid_until TIMESTAMPTZ,
        revoked BOOLEAN NOT NULL,
        raw JSON,
        first_listed_at TIMESTAMPTZ NOT NULL,
        last_listed_at TIMESTAMPTZ NOT NULL,
        removed_at TIMESTAMPTZ,
        fields_hash UBIGINT NOT NULL
      )`,
      // One row per period an indicator was on its feed; listed_until is null while it still is.
      `CREATE TABLE indicator_listings (
        indicator_id UUID NOT NULL,
        listed_from TIMESTAMPTZ NOT NULL,
        listed_until TIMESTAMPTZ
      )`,
      `CREATE TABLE feed_runs (
        feed VARCHAR NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        status VARCHAR NOT NULL,
        http_status INTEGER,
        bytes BIGINT,
        content_hash VARCHAR,
        etag VARCHAR,
        last_modified VARCHAR,
        added INTEGER NOT NULL,
        updated INTEGER NOT NULL,
        removed INTEGER NOT NULL,
        indicator_count INTEGER,
        error_code VARCHAR,
        error_message VARCHAR
      )`,
      `CREATE TABLE feed_state (
        feed VARCHAR PRIMARY KEY,
        etag VARCHAR,
        last_modified VARCHAR,
        content_hash VARCHAR,
        cursor JSON,
        updated_at TIMESTAMPTZ NOT NULL
      )`,
      // Bookkeeping for indicator-snapshot.ts: a digest of each feed's last applied snapshot, so that
      // the same drafts again (a feed whose banner time changed, nothing else) cost one UPDATE.
      `CREATE TABLE feed_snapshots (
        feed VARCHAR PRIMARY KEY,
        digest VARCHAR NOT NULL,
        keys INTEGER NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        max_started_at TIMESTAMPTZ NOT NULL,
        is_latest BOOLEAN NOT NULL
      )`,
      `CREATE TABLE allowlist (
        position INTEGER NOT NULL,
        type VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        range_start UHUGEINT,
        range_end UHUGEINT,
        match_overlapping BOOLEAN NOT NULL,
        reason VARCHAR NOT NULL,
        source VARCHAR NOT NULL
      )`,
      // Settings SQL must see (views below), as text; written by the store, e.g. intel.grace_period_h.
      `CREATE TABLE settings (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
      )`,
      // When each indicator counts for detection: each listing period, extended by the grace period
      // (settings 'intel.grace_period_h') and cut to the source's own valid_from/valid_until. Rules ask
      // "active at T" as active_from <= T AND (active_until IS NULL OR T < active_until), or through
      // indicators_active_at(T). A period that the validity cuts to nothing is left out.
      `CREATE VIEW indicator_validity AS
        SELECT indicator_id, source, type, value, port, range_start, range_end, active_from, active_until
        FROM (
          SELECT i.id AS indicator_id, i.source, i.type, i.value, i.port, i.range_start, i.range_end,
                 greatest(l.listed_from, i.valid_from) AS active_from,
                 least(l.listed_until + g.grace, i.valid_until) AS active_until
          FROM indicator_listings l
          JOIN indicators i ON i.id = l.indicator_id
          CROSS JOIN (
            SELECT to_microseconds(CAST(round(coalesce(max(TRY_CAST(value AS DOUBLE)), 0) * 3600000000) AS BIGINT)) AS grace
            FROM settings WHERE key = 'intel.grace_period_h'
          ) g
        )
        WHERE active_until IS NULL OR active_from < active_until`,
      `CREATE MACRO indicators_active_at(at_time) AS TABLE
        SELECT * FROM indicator_validity
        WHERE active_from <= at_time AND (active_until IS NULL OR at_time < active_until)`,
      // Why an indicator must never alert: the first allow-list entry (by position) that covers it.
      // An address entry covers ranges inside it, and with match_overlapping any range that overlaps
      // it (a feed's 10.0.0.0/8 against the home network); a domain entry covers the name and its
      // subdomains; other entries match type and value exactly. URLs are not covered through their
      // host: malware is routinely served from allow-listed platforms.
      `CREATE VIEW indicator_allowlist AS
        SELECT indicator_id, arg_min(reason, position) AS allowlist_reason,
               arg_min(source, position) AS allowlist_source
        FROM (
          SELECT i.id AS indicator_id, a.position, a.reason, a.source
          FROM indicators i JOIN allowlist a
            ON i.range_start >= a.range_start AND i.range_end <= a.range_end
          UNION ALL
          SELECT i.id, a.position, a.reason, a.source
          FROM indicators i JOIN (FROM allowlist WHERE match_overlapping) a
            ON i.range_start <= a.range_end AND i.range_end >= a.range_start
          UNION ALL
          SELECT i.id, a.position, a.reason, a.source
          FROM indicators i JOIN allowlist a ON i.type = a.type AND i.value = a.value
          UNION ALL
          SELECT i.id, a.position, a.reason, a.source
          FROM (FROM indicators WHERE type = 'domain') i
          JOIN (FROM allowlist WHERE type = 'domain') a ON ends_with(i.value, '.' || a.value)
        )
        GROUP BY indicator_id`,
      // The per-source tables of earlier tools, over what their feeds list now; a feed belongs to one
      // when its name starts with "feodo", "urlhaus" or "spamhaus". Columns the feed's format does not
      // carry (Feodo's CSV has no hostname, AS or country) are null.
      `CREATE VIEW abusech_feodo AS
        SELECT value AS ip_address,
               port,
               coalesce(raw->>'c2_status', raw->>'status', 'online') AS status,
               raw->>'hostname' AS hostname,
               TRY_CAST(raw->>'as_number' AS BIGINT) AS as_number,
               raw->>'as_name' AS as_name,
               raw->>'country' AS country,
               source_first_seen_at AS first_seen,
               coalesce(TRY_CAST(raw->>'last_online' AS DATE),
                        CAST(timezone('UTC', source_last_seen_at) AS DATE)) AS last_online,
               malware_family AS malware
        FROM indicators
        WHERE starts_with(source, 'feodo') AND type = 'ipv4' AND removed_at IS NULL`,
      `CREATE VIEW abusech_urlhaus AS
        SELECT TRY_CAST(raw->>'id' AS BIGINT) AS id,
               source_first_seen_at AS dateadded,
               value AS url,
               coalesce(raw->>'url_status', 'online') AS url_status,
               threat,
               tags,
               coalesce(raw->>'urlhaus_link', reference) AS urlhaus_link,
               raw->>'reporter' AS reporter
        FROM indicators
        WHERE starts_with(source, 'urlhaus') AND type = 'url' AND removed_at IS NULL`,
      // DROP, EDROP and DROPv6 in one table, as Spamhaus merged EDROP into DROP in 2024. The SBL
      // reference is the JSON lines' "sblid", or found in the text line ("1.10.16.0/20 ; SBL256894") or
      // in the reference link.
      `CREATE VIEW spamhaus_drop AS
        SELECT value AS cidr,
               coalesce(raw->>'sblid', nullif(regexp_extract(CAST(raw AS VARCHAR), 'SBL[0-9]+'), ''),
                        nullif(regexp_extract(reference, 'SBL[0-9]+'), '')) AS sbl_ref
        FROM indicators
        WHERE starts_with(source, 'spamhaus') AND type IN ('cidr', 'ipv4', 'ipv6') AND removed_at IS NULL`,
    ],
  },
  {
    version: 3,
    name: 'detection: rule state and watermarks, alerts, indicator match periods and device names',
    steps: [
      // One row per rule that ever ran. flow_watermark: every flow and DNS answer ingested before it
      // was checked; indicator_watermark: every indicator listed before it was checked against stored
      // history (retro-hunt). Both move only in the transaction that writes the run's alerts.
      `CREATE TABLE rule_state (
        rule_id VARCHAR PRIMARY KEY,
        rule_version VARCHAR,
        flow_watermark TIMESTAMPTZ,
        indicator_watermark TIMESTAMPTZ,
        last_run_at TIMESTAMPTZ,
        last_status VARCHAR,
        last_error_code VARCHAR,
        last_error VARCHAR,
        last_duration_ms DOUBLE,
        last_rows BIGINT,
        last_success_at TIMESTAMPTZ
      )`,
      // No primary key: a repeat updates list and JSON columns, which DuckDB does as delete and insert,
      // and an index on id would then refuse the second update of one row in a transaction. The store
      // generates ids (UUIDs) and finds a repeat by (rule_id, dedup_key), which alerts are few enough to scan.
      `CREATE TABLE alerts (
        id UUID NOT NULL,
        rule_id VARCHAR NOT NULL,
        rule_version VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        dedup_key VARCHAR NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        count BIGINT NOT NULL,
        status VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        device_mac VARCHAR,
        device_name VARCHAR,
        remote_addr VARCHAR,
        indicator_ids VARCHAR[] NOT NULL,
        indicator_sources VARCHAR[] NOT NULL,
        evidence JSON NOT NULL,
        provenance JSON NOT NULL
      )`,
      // What indicator rules join: one row per listing period of an indicator no allow-list entry
      // covers. listed_at is when Yamori saw the period begin (retro-hunt selects new indicators on it).
      // Validity is judged at the flow's time: the period counts from active_from (null: no lower
      // bound) until active_until (null: still listed). The FIRST period reaches back to the source's
      // own valid_from, so traffic from before the indicator was published matches it; a later period
      // (re-listed after removal) starts when it began. The end is the listing's end plus the grace
      // period, cut to the source's valid_until, as indicator_validity computes it.
      `CREATE VIEW indicator_match_periods AS
        SELECT indicator_id, source, type, value, port, range_start, range_end, threat, malware_family,
               confidence, reference, listed_at, active_from, active_until
        FROM (
          SELECT i.id AS indicator_id, i.source, i.type, i.value, i.port, i.range_start, i.range_end,
                 i.threat, i.malware_family, i.confidence, i.reference,
                 l.listed_from AS listed_at,
                 CASE WHEN l.listed_from <= i.first_listed_at THEN i.valid_from
                      ELSE greatest(l.listed_from, i.valid_from) END AS active_from,
                 least(l.listed_until + g.grace, i.valid_until) AS active_until
          FROM indicator_listings l
          JOIN indicators i ON i.id = l.indicator_id
          CROSS JOIN (
            SELECT to_microseconds(CAST(round(coalesce(max(TRY_CAST(value AS DOUBLE)), 0) * 3600000000) AS BIGINT)) AS grace
            FROM settings WHERE key = 'intel.grace_period_h'
          ) g
          WHERE i.id NOT IN (SELECT indicator_id FROM indicator_allowlist)
        )
        WHERE active_until IS NULL OR active_from IS NULL OR active_from < active_until`,
      // The name a person knows a device by: its DHCP hostname, else the vendor of its MAC, else the MAC.
      `CREATE VIEW device_names AS
        SELECT mac, coalesce(hostname, vendor, mac) AS device_name, hostname, vendor, is_randomised_mac
        FROM devices`,
    ],
  },
  {
    version: 4,
    name: 'flows: sampling rate and estimated counts, for sampled flow exports',
    steps: [
      // A sampled NetFlow/IPFIX exporter or an sFlow agent counts 1 in N packets; the collector
      // scales its counts by N, so they are estimates. Rows written before this column were captures
      // or unsampled exports: 1 and false are true of them.
      `ALTER TABLE flows ADD COLUMN sampling_rate UINTEGER DEFAULT 1`,
      `ALTER TABLE flows ADD COLUMN counts_estimated BOOLEAN DEFAULT false`,
    ],
  },
  {
    version: 5,
    name: 'alert delivery: routing decisions, the outbox of deliveries, alert status changes',
    steps: [
      // One row per alert once the routing policy has run on it, written in the same transaction as
      // the deliveries it makes: an alert without a row here is routed (again) by the next worker.
      `CREATE TABLE alert_routing (
        alert_id UUID NOT NULL,
        routed_at TIMESTAMPTZ NOT NULL,
        routes VARCHAR[] NOT NULL,
        severity VARCHAR NOT NULL,
        notified VARCHAR[] NOT NULL,
        digested VARCHAR[] NOT NULL,
        suppressed BOOLEAN NOT NULL,
        blocked BOOLEAN NOT NULL,
        throttle_key VARCHAR
      )`,
      // The outbox: one row per (alert or digest, channel); key is the idempotency key every attempt
      // carries. No primary key: a digest's alert list is updated in place, which DuckDB does as
      // delete and insert (see alerts); the store keeps keys unique on its one writer connection.
      `CREATE TABLE deliveries (
        key VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        route VARCHAR,
        alert_ids VARCHAR[] NOT NULL,
        state VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at TIMESTAMPTZ,
        last_error VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        sent_at TIMESTAMPTZ
      )`,
      `CREATE TABLE alert_events (
        alert_id UUID NOT NULL,
        changed_at TIMESTAMPTZ NOT NULL,
        from_status VARCHAR NOT NULL,
        to_status VARCHAR NOT NULL,
        comment VARCHAR
      )`,
    ],
  },
  {
    version: 6,
    name: 'detection: indicator_allowlist and indicator_match_periods kept as tables',
    steps: [
      // Every indicator rule reads indicator_match_periods on every pass, and as views these two were
      // computed each time (1 to 3 s over a million indicators). As tables, with the same names and
      // columns, they are kept by the writes they derive from: feed snapshots, the allow-list and the
      // grace period (indicator-match-periods.ts). The fill below is the views' SQL, frozen here.
      'DROP VIEW indicator_match_periods',
      'DROP VIEW indicator_allowlist',
      `CREATE TABLE indicator_allowlist (
        indicator_id UUID NOT NULL,
        allowlist_reason VARCHAR,
        allowlist_source VARCHAR
      )`,
      `CREATE TABLE indicator_match_periods (
        indicator_id UUID NOT NULL,
        source VARCHAR NOT NULL,
        type VARCHAR NOT NULL,
        value VARCHAR NOT NULL,
        port INTEGER,
        range_start UHUGEINT,
        range_end UHUGEINT,
        threat VARCHAR,
        malware_family VARCHAR,
        confidence UTINYINT,
        reference VARCHAR,
        listed_at TIMESTAMPTZ NOT NULL,
        active_from TIMESTAMPTZ,
        active_until TIMESTAMPTZ
      )`,
      `INSERT INTO indicator_allowlist
        SELECT indicator_id, arg_min(reason, position), arg_min(source, position)
        FROM (
          SELECT i.id AS indicator_id, a.position, a.reason, a.source
          FROM indicators i JOIN allowlist a
            ON i.range_start >= a.range_start AND i.range_end <= a.range_end
          UNION ALL
          SELECT i.id, a.position, a.reason, a.source
          FROM indicators i JOIN (FROM allowlist WHERE match_overlapping) a
            ON i.range_start <= a.range_end AND i.range_end >= a.range_start
          UNION ALL
          SELECT i.id, a.position, a.reason, a.source
          FROM indicators i JOIN allowlist a ON i.type = a.type AND i.value = a.value
          UNION ALL
          SELECT i.id, a.position, a.reason, a.source
          FROM (FROM indicators WHERE type = 'domain') i
          JOIN (FROM allowlist WHERE type = 'domain') a ON ends_with(i.value, '.' || a.value)
        )
        GROUP BY indicator_id`,
      `INSERT INTO indicator_match_periods
        SELECT indicator_id, source, type, value, port, range_start, range_end, threat, malware_family,
               confidence, reference, listed_at, active_from, active_until
        FROM (
          SELECT i.id AS indicator_id, i.source, i.type, i.value, i.port, i.range_start, i.range_end,
                 i.threat, i.malware_family, i.confidence, i.reference,
                 l.listed_from AS listed_at,
                 CASE WHEN l.listed_from <= i.first_listed_at THEN i.valid_from
                      ELSE greatest(l.listed_from, i.valid_from) END AS active_from,
                 least(l.listed_until + g.grace, i.valid_until) AS active_until
          FROM indicator_listings l
          JOIN indicators i ON i.id = l.indicator_id
          CROSS JOIN (
            SELECT to_microseconds(CAST(round(coalesce(max(TRY_CAST(value AS DOUBLE)), 0) * 3600000000) AS BIGINT)) AS grace
            FROM settings WHERE key = 'intel.grace_period_h'
          ) g
          WHERE i.id NOT IN (SELECT indicator_id FROM indicator_allowlist)
        )
        WHERE active_until IS NULL OR active_from IS NULL OR active_from < active_until
        ORDER BY listed_at`,
    ],
  },
  {
    version: 7,
    name: 'dashboard: hourly flow rollups per device and per remote host',
    steps: [
      // Rollups of flows by the hour of first_seen_at (flow-rollups.ts), so the dashboard's figures
      // over days read thousands of rows instead of millions. An hour's rows are built from its flows
      // once it has ended, and every write into an hour (late flows, pruning) puts it back on the
      // work list below, so the rollups always equal the flows: readers take an hour on the work list
      // from flows and every other hour from the rollups. Pruning flows drops the rollups of the
      // hours it touched; they are rebuilt from the flows that are left.
      `CREATE TABLE flow_rollup_dirty (
        slot_at TIMESTAMPTZ PRIMARY KEY
      )`,
      // Per 5 minutes (slot_at) and home side: the traffic chart, top devices and flow counts.
      `CREATE TABLE flow_traffic_rollups (
        slot_at TIMESTAMPTZ NOT NULL,
        direction VARCHAR NOT NULL,
        local_mac VARCHAR,
        local_addr VARCHAR NOT NULL,
        bytes_out BIGINT NOT NULL,
        bytes_in BIGINT NOT NULL,
        flows BIGINT NOT NULL
      )`,
      // Per hour, home side and remote side (address and port): top remote hosts and device peers.
      // name is the SNI/Host/DNS name of the group's flow that ended last among those with one.
      `CREATE TABLE flow_peer_rollups (
        slot_at TIMESTAMPTZ NOT NULL,
        direction VARCHAR NOT NULL,
        local_mac VARCHAR,
        local_addr VARCHAR NOT NULL,
        remote_addr VARCHAR NOT NULL,
        remote_port INTEGER NOT NULL,
        bytes BIGINT NOT NULL,
        flows BIGINT NOT NULL,
        name VARCHAR,
        name_seen_at TIMESTAMPTZ,
        last_seen_at TIMESTAMPTZ NOT NULL
      )`,
      `INSERT INTO flow_rollup_dirty
        SELECT DISTINCT make_timestamptz(epoch_us(first_seen_at) // 3600000000 * 3600000000) FROM flows`,
    ],
  },
  {
    version: 8,
    name: 'detection: the host of each URL indicator kept in indicator_match_periods.url_host',
    steps: [
      // intel-url-host-match extracted the host of every URL indicator with a regular expression and
      // checked it against the allow-listed domains on each pass (0.5 s over 85,000 URLs). The writes
      // that keep indicator_match_periods now do it once per row (indicator-match-periods.ts): the
      // host, or null when there is none or an allow-listed domain covers it. This fills the rows
      // already there.
      'ALTER TABLE indicator_match_periods ADD COLUMN url_host VARCHAR',
      `UPDATE indicator_match_periods p
        SET url_host = CASE WHEN h.host <> '' AND NOT EXISTS (
            SELECT 1 FROM allowlist a
            WHERE a.type = 'domain' AND (h.host = a.value OR ends_with(h.host, '.' || a.value))
          ) THEN h.host END
        FROM (
          SELECT DISTINCT value, lower(rtrim(regexp_extract(value,
            '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\\[[^\\]/]*\\]|[^:/?#\\[]+)', 1), '.')) AS host
          FROM indicator_match_periods WHERE type = 'url'
        ) h
        WHERE p.type = 'url' AND p.value = h.value`,
    ],
  },
  {
    version: 9,
    name: 'dashboard: daily rollups per remote host',
    steps: [
      // Ranking remote hosts over days from the hourly per-peer rollups grouped millions of rows, as
      // most remote addresses are seen once. Per UTC day and remote address of outbound and inbound
      // flows (flow-rollups.ts), so that a range's whole days are read as one row per remote and day,
      // and hosts whose every row is too small to reach the top are left out before any grouping.
      // A day's rows always equal the sum of its hours' rows in flow_peer_rollups, except for the days
      // on flow_rollup_dirty_days, which readers take from flow_peer_rollups instead.
      `CREATE TABLE flow_remote_day_rollups (
        day_at TIMESTAMPTZ NOT NULL,
        remote_addr VARCHAR NOT NULL,
        bytes BIGINT NOT NULL,
        flows BIGINT NOT NULL,
        name VARCHAR,
        name_seen_at TIMESTAMPTZ,
        local_addrs VARCHAR[] NOT NULL
      )`,
      // The same per home side, for the peers of one device; ports lists the flows of each remote
      // port per hour (a port may come more than once).
      `CREATE TABLE flow_device_day_rollups (
        day_at TIMESTAMPTZ NOT NULL,
        local_mac VARCHAR,
        local_addr VARCHAR NOT NULL,
        remote_addr VARCHAR NOT NULL,
        bytes BIGINT NOT NULL,
        flows BIGINT NOT NULL,
        name VARCHAR,
        name_seen_at TIMESTAMPTZ,
        last_seen_at TIMESTAMPTZ NOT NULL,
        ports STRUCT(port INTEGER, flows BIGINT)[] NOT NULL
      )`,
      `CREATE TABLE flow_rollup_dirty_days (
        day_at TIMESTAMPTZ PRIMARY KEY
      )`,
      `INSERT INTO flow_remote_day_rollups
        SELECT make_timestamptz(epoch_us(slot_at) // 86400000000 * 86400000000), remote_addr,
               sum(bytes), sum(flows), arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL),
               max(name_seen_at), list(DISTINCT local_addr)
        FROM flow_peer_rollups WHERE direction IN ('outbound', 'inbound')
        GROUP BY 1, 2 ORDER BY 1, 3 DESC`,
      `INSERT INTO flow_device_day_rollups
        SELECT make_timestamptz(epoch_us(slot_at) // 86400000000 * 86400000000), local_mac, local_addr,
               remote_addr, sum(bytes), sum(flows), arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL),
               max(name_seen_at), max(last_seen_at), list({'port': remote_port, 'flows': flows})
        FROM flow_peer_rollups WHERE direction IN ('outbound', 'inbound')
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3`,
    ],
  },
  {
    version: 10,
    name: 'dashboard: daily rollups keep remote addresses and names uncompressed',
    steps: [
      // Ranking remote hosts compares every daily row's remote_addr (top-remotes.ts), and most of
      // those addresses are seen once, so DuckDB stored them with FSST, which it must decompress
      // to compare: a scan of the column took 50 times as long as one of bytes (3.6 million rows of
      // the benchmark). Kept uncompressed, they are compared where they lie; names too, which the
      // same readers take for the hosts they rank. Same columns and order as migration 9; the
      // tables are copied, as DuckDB cannot change a column's compression in place.
      `CREATE TABLE flow_remote_day_rollups_v10 (
        day_at TIMESTAMPTZ NOT NULL,
        remote_addr VARCHAR USING COMPRESSION uncompressed NOT NULL,
        bytes BIGINT NOT NULL,
        flows BIGINT NOT NULL,
        name VARCHAR USING COMPRESSION uncompressed,
        name_seen_at TIMESTAMPTZ,
        local_addrs VARCHAR[] NOT NULL
      )`,
      'INSERT INTO flow_remote_day_rollups_v10 SELECT * FROM flow_remote_day_rollups ORDER BY day_at, bytes DESC',
      'DROP TABLE flow_remote_day_rollups',
      'ALTER TABLE flow_remote_day_rollups_v10 RENAME TO flow_remote_day_rollups',
      `CREATE TABLE flow_device_day_rollups_v10 (
        day_at TIMESTAMPTZ NOT NULL,
        local_mac VARCHAR,
        local_addr VARCHAR NOT NULL,
        remote_addr VARCHAR USING COMPRESSION uncompressed NOT NULL,
        bytes BIGINT NOT NULL,
        flows BIGINT NOT NULL,
        name VARCHAR USING COMPRESSION uncompressed,
        name_seen_at TIMESTAMPTZ,
        last_seen_at TIMESTAMPTZ NOT NULL,
        ports STRUCT(port INTEGER, flows BIGINT)[] NOT NULL
      )`,
      `INSERT INTO flow_device_day_rollups_v10 SELECT * FROM flow_device_day_rollups
        ORDER BY day_at, local_mac, local_addr`,
      'DROP TABLE flow_device_day_rollups',
      'ALTER TABLE flow_device_day_rollups_v10 RENAME TO flow_device_day_rollups',
    ],
  },
  {
    version: 11,
    name: 'dashboard: remote hosts summed per block of 7 days',
    steps: [
      // The overview ranks the remote hosts of 30 days: with many hosts of near-equal totals, it
      // read and grouped a row per host and day. A row per host and block of 7 days (a fixed grid:
      // multiples of 7 days since the epoch) holds the same sums; a host seen every day has a
      // seventh of the rows (hosts seen once keep theirs). Columns as flow_remote_day_rollups
      // (migration 10), by block, and by bytes within a block; summed from the day rows, which
      // flow-rollups.ts keeps them equal to (or lists the block on flow_rollup_dirty_blocks).
      `CREATE TABLE flow_remote_week_rollups (
        block_at TIMESTAMPTZ NOT NULL,
        remote_addr VARCHAR USING COMPRESSION uncompressed NOT NULL,
        bytes BIGINT NOT NULL,
        flows BIGINT NOT NULL,
        name VARCHAR USING COMPRESSION uncompressed,
        name_seen_at TIMESTAMPTZ,
        local_addrs VARCHAR[] NOT NULL
      )`,
      `INSERT INTO flow_remote_week_rollups
        SELECT make_timestamptz(epoch_us(day_at) // 604800000000 * 604800000000), remote_addr,
               sum(bytes), sum(flows), arg_max(name, name_seen_at) FILTER (WHERE name IS NOT NULL),
               max(name_seen_at), list_distinct(flatten(list(local_addrs)))
        FROM flow_remote_day_rollups
        GROUP BY 1, 2 ORDER BY 1, 3 DESC`,
      // Blocks whose days' rows changed since they were summed (flow-rollups.ts); none yet.
      `CREATE TABLE flow_rollup_dirty_blocks (
        block_at TIMESTAMPTZ PRIMARY KEY
      )`,
    ],
  },
  {
    version: 12,
    name: 'dashboard: a generation number of the rollups',
    steps: [
      // One row, counted up in the transaction of every write of hour, day or block rollup rows
      // (rebuilt, pruned; flow-rollups.ts). The overview keeps sums of those rows per host between
      // calls (top-remotes.ts) and uses them only while the number is the one they were made at.
      'CREATE TABLE flow_rollup_generation (generation BIGINT NOT NULL)',
      'INSERT INTO flow_rollup_generation VALUES (0)',
    ],
  },
  {
    version: 13,
    name: 'threat intelligence: no first and last address text for a single address',
    steps: [
      // indicators.range_start_addr and range_end_addr hold a network's first and last address; for a
      // single address (ipv4, ipv6) they were copies of its value, and are now null: a feed's first
      // load wrote a million copies (about 1.4 CPU s of a 1M-row Feodo load). Readers take the value
      // when they are null and range_start is not (indicator-reader.ts).
      `UPDATE indicators SET range_start_addr = NULL, range_end_addr = NULL
        WHERE range_start_addr = value AND range_end_addr = value`,
    ],
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name VARCHAR NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL
)`;

/** The highest migration applied to the database; 0 for a new one. */
export async function readSchemaVersion(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll(
    'SELECT coalesce(max(version), 0)::INTEGER FROM schema_migrations',
  );
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/**
 * Applies the migrations newer than the database's version, each in its own transaction.
 * Throws STORE_TOO_NEW when the database is ahead of `migrations`, STORE_MIGRATION_FAILED when a
 * step fails (the database then stays at the last version that applied completely).
 */
export async function runMigrations(
  connection: DuckDBConnection,
  options: { path: string; now: () => EpochMicros; migrations?: readonly Migration[] },
): Promise<MigrationResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const known = migrations[migrations.length - 1]?.version ?? 0;
  let current: number;
  try {
    await connection.run(CREATE_MIGRATIONS_TABLE);
    current = await readSchemaVersion(connection);
  } catch (cause) {
    throw new YamoriError(
      'STORE_MIGRATION_FAILED',
      { path: options.path, version: known, detail: errorMessage(cause), from: 'unknown' },
      { cause },
    );
  }
  if (current > known) {
    throw new YamoriError('STORE_TOO_NEW', { path: options.path, version: current, known });
  }
  const fromVersion = current;
  const applied: string[] = [];
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    try {
      await connection.run('BEGIN TRANSACTION');
      for (const step of migration.steps) await connection.run(step);
      await connection.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        timestampTz(options.now()),
      ]);
      await connection.run('COMMIT');
    } catch (cause) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw new YamoriError(
        'STORE_MIGRATION_FAILED',
        { path: options.path, version: migration.version, detail: errorMessage(cause), from: current },
        { cause },
      );
    }
    current = migration.version;
    applied.push(migration.name);
  }
  return { fromVersion, toVersion: current, applied };
}
