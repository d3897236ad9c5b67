-- One equality join on the flow's own column, so a handful of new fingerprints (retro-hunt) filters
-- the flow scan itself.
WITH window_flows AS NOT MATERIALIZED (
  SELECT id AS flow_id, src_addr, src_mac, dst_addr, dst_port, server_name, tls_cert_sha1, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
    AND direction = 'outbound' AND tls_cert_sha1 IS NOT NULL
),
cert_periods AS (
  SELECT indicator_id, source, value, threat, malware_family, active_from, active_until
  FROM indicator_match_periods
  WHERE type = 'cert_sha1' AND listed_at >= $indicators_since AND listed_at < $indicators_until
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
  max(src_mac) AS device_mac,
  tls_cert_sha1 AS cert_sha1,
  arg_min(dst_addr, first_seen_at) AS remote_addr,
  list(DISTINCT dst_addr ORDER BY dst_addr)[1:10] AS remote_addrs,
  list(DISTINCT dst_port ORDER BY dst_port) AS remote_ports,
  list(DISTINCT server_name ORDER BY server_name) FILTER (WHERE server_name IS NOT NULL) AS server_names,
  list(DISTINCT CAST(indicator_id AS VARCHAR) ORDER BY CAST(indicator_id AS VARCHAR)) AS indicator_ids,
  list(DISTINCT source ORDER BY source) AS sources,
  string_agg(DISTINCT coalesce(threat, 'malicious'), ', ' ORDER BY coalesce(threat, 'malicious')) AS threat,
  string_agg(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  count(DISTINCT flow_id) AS flows,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM hits
GROUP BY src_addr, tls_cert_sha1
