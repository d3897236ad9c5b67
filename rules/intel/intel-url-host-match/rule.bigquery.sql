-- rule.sql in BigQuery's dialect (the same columns and rows): REGEXP_CONTAINS with anchors for
-- regexp_full_match, SUBSTR for slicing, EXCEPT for EXCLUDE, ARRAY_AGG for list() (FILTER becomes
-- IGNORE NULLS), an ordered ARRAY_AGG for arg_min.
WITH window_flows AS (
  SELECT src_addr, src_mac, dst_addr, dst_port, server_name, tls_version, ja3, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end AND direction = 'outbound'
),
-- url_host is null for a URL without a host or on an allow-listed platform, as in rule.sql.
url_hosts AS (
  SELECT indicator_id, source, value AS url, threat, malware_family, active_from, active_until, url_host AS host
  FROM indicator_match_periods
  WHERE type = 'url' AND url_host IS NOT NULL AND listed_at >= @indicators_since AND listed_at < @indicators_until
),
name_hosts AS (
  SELECT * FROM url_hosts WHERE NOT REGEXP_CONTAINS(host, r'^(?:[0-9.]+|\[.*\])$')
),
address_hosts AS (
  SELECT *, CASE WHEN STARTS_WITH(host, '[') THEN SUBSTR(host, 2, LENGTH(host) - 2) ELSE host END AS addr
  FROM url_hosts
  WHERE REGEXP_CONTAINS(host, r'^(?:[0-9.]+|\[.*\])$')
),
sightings AS (
  SELECT f.src_addr AS device_addr, f.src_mac AS device_mac, f.dst_addr AS remote_addr,
         CASE WHEN f.tls_version IS NOT NULL OR f.ja3 IS NOT NULL THEN 'tls' ELSE 'http' END AS seen_in,
         f.first_seen_at, f.last_seen_at, u.*
  FROM window_flows f JOIN name_hosts u ON f.server_name = u.host
  UNION ALL
  SELECT f.src_addr, f.src_mac, f.dst_addr, 'connection', f.first_seen_at, f.last_seen_at, u.* EXCEPT (addr)
  FROM window_flows f JOIN address_hosts u ON f.dst_addr = u.addr
  UNION ALL
  SELECT d.client_addr, NULL, CASE WHEN d.answer_type IN ('A', 'AAAA') THEN d.answer END, 'dns',
         d.seen_at, d.seen_at, u.*
  FROM dns d JOIN name_hosts u ON d.query_name = u.host
  WHERE d.ingested_at >= @window_start AND d.ingested_at < @window_end
),
-- An indicator counts only while it was valid at the time of the traffic.
hits AS (
  SELECT * FROM sightings
  WHERE (active_from IS NULL OR last_seen_at >= active_from)
    AND (active_until IS NULL OR first_seen_at < active_until)
)
SELECT
  device_addr,
  MAX(device_mac) AS device_mac,
  host,
  ARRAY_AGG(DISTINCT url IGNORE NULLS ORDER BY url LIMIT 10) AS urls,
  ARRAY_AGG(DISTINCT seen_in IGNORE NULLS ORDER BY seen_in) AS seen_in,
  ARRAY_AGG(remote_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS remote_addr,
  ARRAY_AGG(DISTINCT CAST(indicator_id AS STRING) IGNORE NULLS ORDER BY CAST(indicator_id AS STRING)) AS indicator_ids,
  ARRAY_AGG(DISTINCT source IGNORE NULLS ORDER BY source) AS sources,
  STRING_AGG(DISTINCT COALESCE(threat, 'malicious'), ', ' ORDER BY COALESCE(threat, 'malicious')) AS threat,
  STRING_AGG(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  COUNT(*) AS sightings,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM hits
GROUP BY device_addr, host
