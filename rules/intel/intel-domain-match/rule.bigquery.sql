-- rule.sql in BigQuery's dialect (the same columns and rows): parent domains from SPLIT and
-- GENERATE_ARRAY (for DuckDB's unnest(range()) and list slices), EXCEPT for EXCLUDE, ARRAY_AGG for
-- list() (FILTER becomes IGNORE NULLS), an ordered ARRAY_AGG for arg_min.
WITH window_flows AS (
  SELECT src_addr, src_mac, dst_addr, server_name, tls_version, ja3, ja4, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end
    AND direction IN ('outbound', 'internal') AND server_name IS NOT NULL
),
window_dns AS (
  SELECT client_addr, query_name, answer_type, answer, seen_at
  FROM dns
  WHERE ingested_at >= @window_start AND ingested_at < @window_end
),
-- A feed's domains cover their subdomains only where the feed says so (settings
-- 'intel.domain_match.<feed>' = 'subdomains', from the feed's domain_match option); otherwise a
-- listed name is one host, and its parent domain or its other subdomains are not it.
domain_periods AS (
  SELECT p.indicator_id, p.source, p.value, p.threat, p.malware_family, p.active_from, p.active_until,
         COALESCE(s.value, 'exact') = 'subdomains' AS covers_subdomains
  FROM indicator_match_periods p
  LEFT JOIN settings s ON s.key = CONCAT('intel.domain_match.', p.source)
  WHERE p.type = 'domain' AND p.listed_at >= @indicators_since AND p.listed_at < @indicators_until
),
whole_domains AS (
  SELECT * FROM domain_periods WHERE covers_subdomains
),
-- Subdomains only: the name itself is matched by the equality joins below.
names AS (
  SELECT DISTINCT name
  FROM (SELECT server_name AS name FROM window_flows UNION ALL SELECT query_name FROM window_dns)
  WHERE EXISTS (SELECT 1 FROM whole_domains)
),
parent_names AS (
  SELECT n.name,
         ARRAY_TO_STRING(ARRAY(SELECT l FROM UNNEST(SPLIT(n.name, '.')) AS l WITH OFFSET o WHERE o >= i ORDER BY o), '.') AS parent
  FROM names n, UNNEST(GENERATE_ARRAY(1, ARRAY_LENGTH(SPLIT(n.name, '.')) - 1)) AS i
),
subdomain_hits AS (
  SELECT n.name, w.* FROM parent_names n JOIN whole_domains w ON n.parent = w.value
),
sightings AS (
  SELECT f.src_addr AS device_addr, f.src_mac AS device_mac, f.dst_addr AS remote_addr, f.server_name AS name,
         CASE WHEN f.tls_version IS NOT NULL OR f.ja3 IS NOT NULL OR f.ja4 IS NOT NULL THEN 'tls' ELSE 'http' END AS seen_in,
         f.first_seen_at, f.last_seen_at, p.*
  FROM (SELECT * FROM window_flows WHERE server_name IN (SELECT value FROM domain_periods)) f
  JOIN domain_periods p ON f.server_name = p.value
  UNION ALL
  SELECT d.client_addr, NULL, CASE WHEN d.answer_type IN ('A', 'AAAA') THEN d.answer END, d.query_name, 'dns',
         d.seen_at, d.seen_at, p.*
  FROM (SELECT * FROM window_dns WHERE query_name IN (SELECT value FROM domain_periods)) d
  JOIN domain_periods p ON d.query_name = p.value
  UNION ALL
  SELECT f.src_addr, f.src_mac, f.dst_addr, f.server_name,
         CASE WHEN f.tls_version IS NOT NULL OR f.ja3 IS NOT NULL OR f.ja4 IS NOT NULL THEN 'tls' ELSE 'http' END,
         f.first_seen_at, f.last_seen_at, h.* EXCEPT (name)
  FROM window_flows f JOIN subdomain_hits h ON f.server_name = h.name
  UNION ALL
  SELECT d.client_addr, NULL, CASE WHEN d.answer_type IN ('A', 'AAAA') THEN d.answer END, d.query_name, 'dns',
         d.seen_at, d.seen_at, h.* EXCEPT (name)
  FROM window_dns d JOIN subdomain_hits h ON d.query_name = h.name
),
-- An indicator counts only while it was valid at the time of the lookup or connection.
hits AS (
  SELECT *, value AS domain FROM sightings
  WHERE (active_from IS NULL OR last_seen_at >= active_from)
    AND (active_until IS NULL OR first_seen_at < active_until)
)
SELECT
  device_addr,
  MAX(device_mac) AS device_mac,
  domain,
  ARRAY_AGG(DISTINCT name IGNORE NULLS ORDER BY name LIMIT 10) AS names,
  ARRAY_AGG(DISTINCT seen_in IGNORE NULLS ORDER BY seen_in) AS seen_in,
  ARRAY_AGG(remote_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS remote_addr,
  ARRAY_AGG(DISTINCT remote_addr IGNORE NULLS ORDER BY remote_addr LIMIT 10) AS remote_addrs,
  ARRAY_AGG(DISTINCT CAST(indicator_id AS STRING) IGNORE NULLS ORDER BY CAST(indicator_id AS STRING)) AS indicator_ids,
  ARRAY_AGG(DISTINCT source IGNORE NULLS ORDER BY source) AS sources,
  STRING_AGG(DISTINCT COALESCE(threat, 'malicious'), ', ' ORDER BY COALESCE(threat, 'malicious')) AS threat,
  STRING_AGG(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  COUNT(*) AS sightings,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM hits
GROUP BY device_addr, domain
