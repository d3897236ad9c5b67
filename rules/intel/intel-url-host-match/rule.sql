-- A URL indicator is matched by its host, exactly (a host name, or an address for URLs such as
-- http://203.0.113.5/bins.sh): flows carry the host a device named (SNI, HTTP Host) but never the path.
-- The store extracts each URL's host once, when it writes the indicator (indicator_match_periods.url_host),
-- and every join is an equality on a plain flow or DNS column.
-- Platforms that malware is routinely served from (allow-listed domains: code hosting, file sharing,
-- CDNs) are not matched by host, as every visit to them would alert: their url_host is null. Their URLs
-- still count exactly, through other rules, wherever a sensor sees them.
WITH window_flows AS NOT MATERIALIZED (
  SELECT src_addr, src_mac, dst_addr, dst_port, server_name, tls_version, ja3, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end AND direction = 'outbound'
),
url_hosts AS (
  SELECT indicator_id, source, value AS url, threat, malware_family, active_from, active_until, url_host AS host
  FROM indicator_match_periods
  WHERE type = 'url' AND url_host IS NOT NULL AND listed_at >= $indicators_since AND listed_at < $indicators_until
),
name_hosts AS (
  SELECT * FROM url_hosts WHERE NOT regexp_full_match(host, '[0-9.]+|\[.*\]')
),
address_hosts AS (
  SELECT *, CASE WHEN starts_with(host, '[') THEN host[2:-2] ELSE host END AS addr FROM url_hosts
  WHERE regexp_full_match(host, '[0-9.]+|\[.*\]')
),
sightings AS (
  SELECT f.src_addr AS device_addr, f.src_mac AS device_mac, f.dst_addr AS remote_addr,
         CASE WHEN f.tls_version IS NOT NULL OR f.ja3 IS NOT NULL THEN 'tls' ELSE 'http' END AS seen_in,
         f.first_seen_at, f.last_seen_at, u.*
  -- The names also filter the scan itself: from a plain subquery DuckDB pushes a Bloom filter of them
  -- into it, so few flows but those naming a listed host are read whole (from the shared url_hosts it
  -- pushes only their range: in DuckDB 1.5's storage format the scan then let 716 of the benchmark's
  -- 5 million outbound flows through, against 11 with this filter).
  FROM (FROM window_flows WHERE server_name IN (
    SELECT url_host FROM indicator_match_periods
    WHERE type = 'url' AND url_host IS NOT NULL AND listed_at >= $indicators_since AND listed_at < $indicators_until
  )) f JOIN name_hosts u ON f.server_name = u.host
  UNION ALL
  SELECT f.src_addr, f.src_mac, f.dst_addr, 'connection', f.first_seen_at, f.last_seen_at, u.* EXCLUDE (addr)
  FROM window_flows f JOIN address_hosts u ON f.dst_addr = u.addr
  UNION ALL
  SELECT d.client_addr, NULL, CASE WHEN d.answer_type IN ('A', 'AAAA') THEN d.answer END, 'dns',
         d.seen_at, d.seen_at, u.*
  FROM dns d JOIN name_hosts u ON d.query_name = u.host
  WHERE d.ingested_at >= $window_start AND d.ingested_at < $window_end
),
-- An indicator counts only while it was valid at the time of the traffic.
hits AS (
  SELECT * FROM sightings
  WHERE (active_from IS NULL OR last_seen_at >= active_from)
    AND (active_until IS NULL OR first_seen_at < active_until)
)
SELECT
  device_addr,
  max(device_mac) AS device_mac,
  host,
  list(DISTINCT url ORDER BY url)[1:10] AS urls,
  list(DISTINCT seen_in ORDER BY seen_in) AS seen_in,
  arg_min(remote_addr, first_seen_at) FILTER (WHERE remote_addr IS NOT NULL) AS remote_addr,
  list(DISTINCT CAST(indicator_id AS VARCHAR) ORDER BY CAST(indicator_id AS VARCHAR)) AS indicator_ids,
  list(DISTINCT source ORDER BY source) AS sources,
  string_agg(DISTINCT coalesce(threat, 'malicious'), ', ' ORDER BY coalesce(threat, 'malicious')) AS threat,
  string_agg(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  count(*) AS sightings,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM hits
GROUP BY device_addr, host
