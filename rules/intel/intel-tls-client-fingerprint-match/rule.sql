-- One equality join per fingerprint kind, each on the flow's own column, so a handful of new
-- fingerprints (retro-hunt) filters the flow scan itself.
WITH window_flows AS NOT MATERIALIZED (
  SELECT id AS flow_id, src_addr, src_mac, dst_addr, dst_port, server_name, ja3, ja4, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
    AND direction = 'outbound' AND (ja3 IS NOT NULL OR ja4 IS NOT NULL)
),
fingerprint_periods AS (
  SELECT indicator_id, source, type, value, threat, malware_family, active_from, active_until
  FROM indicator_match_periods
  WHERE type IN ('ja3', 'ja4') AND listed_at >= $indicators_since AND listed_at < $indicators_until
),
matches AS (
  SELECT f.*, 'ja3' AS fingerprint_type, f.ja3 AS fingerprint, p.indicator_id, p.source, p.threat,
         p.malware_family, p.active_from, p.active_until
  FROM window_flows f JOIN (FROM fingerprint_periods WHERE type = 'ja3') p ON f.ja3 = p.value
  UNION ALL
  SELECT f.*, 'ja4', f.ja4, p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM window_flows f JOIN (FROM fingerprint_periods WHERE type = 'ja4') p ON f.ja4 = p.value
),
-- An indicator counts only while it was valid at the time of the traffic.
hits AS (
  SELECT * FROM matches
  WHERE (active_from IS NULL OR last_seen_at >= active_from)
    AND (active_until IS NULL OR first_seen_at < active_until)
)
SELECT
  src_addr AS device_addr,
  max(src_mac) AS device_mac,
  fingerprint_type,
  fingerprint,
  arg_min(dst_addr, first_seen_at) AS remote_addr,
  list(DISTINCT dst_addr ORDER BY dst_addr)[1:10] AS remote_addrs,
  list(DISTINCT server_name ORDER BY server_name) FILTER (WHERE server_name IS NOT NULL) AS server_names,
  list(DISTINCT CAST(indicator_id AS VARCHAR) ORDER BY CAST(indicator_id AS VARCHAR)) AS indicator_ids,
  list(DISTINCT source ORDER BY source) AS sources,
  string_agg(DISTINCT coalesce(threat, 'malicious'), ', ' ORDER BY coalesce(threat, 'malicious')) AS threat,
  string_agg(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  count(DISTINCT flow_id) AS flows,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM hits
GROUP BY src_addr, fingerprint_type, fingerprint
