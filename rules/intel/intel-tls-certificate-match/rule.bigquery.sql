-- rule.sql in BigQuery's dialect (the same columns and rows): ARRAY_AGG for list() (FILTER becomes
-- IGNORE NULLS), an ordered ARRAY_AGG for arg_min.
WITH window_flows AS (
  SELECT id AS flow_id, src_addr, src_mac, dst_addr, dst_port, server_name, tls_cert_sha1, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end
    AND direction = 'outbound' AND tls_cert_sha1 IS NOT NULL
),
cert_periods AS (
  SELECT indicator_id, source, value, threat, malware_family, active_from, active_until
  FROM indicator_match_periods
  WHERE type = 'cert_sha1' AND listed_at >= @indicators_since AND listed_at < @indicators_until
),
-- An indicator counts only while it was valid at the time of the traffic.
hits AS (
  SELECT f.*, p.indicator_id, p.source, p.threat, p.malware_family
  FROM window_flows f JOIN cert_periods p ON f.tls_cert_sha1 = p.value
  WHERE (p.active_from IS NULL OR f.last_seen_at >= p.active_from)
    AND (p.active_until IS NULL OR f.first_seen_at < p.active_until)
)
SELECT
  src_addr AS device_addr,
  MAX(src_mac) AS device_mac,
  tls_cert_sha1 AS cert_sha1,
  ARRAY_AGG(dst_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS remote_addr,
  ARRAY_AGG(DISTINCT dst_addr IGNORE NULLS ORDER BY dst_addr LIMIT 10) AS remote_addrs,
  ARRAY_AGG(DISTINCT dst_port IGNORE NULLS ORDER BY dst_port) AS remote_ports,
  ARRAY_AGG(DISTINCT server_name IGNORE NULLS ORDER BY server_name) AS server_names,
  ARRAY_AGG(DISTINCT CAST(indicator_id AS STRING) IGNORE NULLS ORDER BY CAST(indicator_id AS STRING)) AS indicator_ids,
  ARRAY_AGG(DISTINCT source IGNORE NULLS ORDER BY source) AS sources,
  STRING_AGG(DISTINCT COALESCE(threat, 'malicious'), ', ' ORDER BY COALESCE(threat, 'malicious')) AS threat,
  STRING_AGG(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  COUNT(DISTINCT flow_id) AS flows,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM hits
GROUP BY src_addr, tls_cert_sha1
