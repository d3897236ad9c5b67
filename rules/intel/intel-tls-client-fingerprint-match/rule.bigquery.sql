-- rule.sql in BigQuery's dialect (the same columns and rows): ARRAY_AGG for list() (FILTER becomes
-- IGNORE NULLS), an ordered ARRAY_AGG for arg_min, SELECT * FROM for DuckDB's bare FROM.
WITH window_flows AS (
  SELECT id AS flow_id, src_addr, src_mac, dst_addr, dst_port, server_name, ja3, ja4, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end
    AND direction = 'outbound' AND (ja3 IS NOT NULL OR ja4 IS NOT NULL)
),
fingerprint_periods AS (
  SELECT indicator_id, source, type, value, threat, malware_family, active_from, active_until
  FROM indicator_match_periods
  WHERE type IN ('ja3', 'ja4') AND listed_at >= @indicators_since AND listed_at < @indicators_until
),
-- The columns are named one by one: the emulator mixes up a UNION ALL of f.* with more columns.
matches AS (
  SELECT f.flow_id, f.src_addr, f.src_mac, f.dst_addr, f.dst_port, f.server_name, f.first_seen_at,
         f.last_seen_at, 'ja3' AS fingerprint_type, f.ja3 AS fingerprint, p.indicator_id, p.source, p.threat,
         p.malware_family, p.active_from, p.active_until
  FROM window_flows f JOIN (SELECT * FROM fingerprint_periods WHERE type = 'ja3') p ON f.ja3 = p.value
  UNION ALL
  SELECT f.flow_id, f.src_addr, f.src_mac, f.dst_addr, f.dst_port, f.server_name, f.first_seen_at,
         f.last_seen_at, 'ja4', f.ja4, p.indicator_id, p.source, p.threat, p.malware_family, p.active_from,
         p.active_until
  FROM window_flows f JOIN (SELECT * FROM fingerprint_periods WHERE type = 'ja4') p ON f.ja4 = p.value
),
-- An indicator counts only while it was valid at the time of the traffic.
hits AS (
  SELECT * FROM matches
  WHERE (active_from IS NULL OR last_seen_at >= active_from)
    AND (active_until IS NULL OR first_seen_at < active_until)
)
SELECT
  src_addr AS device_addr,
  MAX(src_mac) AS device_mac,
  fingerprint_type,
  fingerprint,
  ARRAY_AGG(dst_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS remote_addr,
  ARRAY_AGG(DISTINCT dst_addr IGNORE NULLS ORDER BY dst_addr LIMIT 10) AS remote_addrs,
  ARRAY_AGG(DISTINCT server_name IGNORE NULLS ORDER BY server_name) AS server_names,
  ARRAY_AGG(DISTINCT CAST(indicator_id AS STRING) IGNORE NULLS ORDER BY CAST(indicator_id AS STRING)) AS indicator_ids,
  ARRAY_AGG(DISTINCT source IGNORE NULLS ORDER BY source) AS sources,
  STRING_AGG(DISTINCT COALESCE(threat, 'malicious'), ', ' ORDER BY COALESCE(threat, 'malicious')) AS threat,
  STRING_AGG(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  COUNT(DISTINCT flow_id) AS flows,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM hits
GROUP BY src_addr, fingerprint_type, fingerprint
