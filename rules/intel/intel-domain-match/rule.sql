-- Names are stored lowercase (capture, Zeek and Suricata imports normalise them), so a listed name
-- joins the flow and DNS columns themselves, and a handful of new indicators (retro-hunt) filters those
-- scans: the names come from listed_names, a plain scan that is inlined where it is used, so DuckDB
-- pushes a Bloom filter of them into the flow and DNS scans (from a shared, materialised CTE it pushes
-- only their range, and the history scan returns every named flow). Only feeds that list whole domains
-- need the parent domains of each name: those distinct names are expanded (a.b.example.com,
-- b.example.com, example.com, com) and joined back, and that branch reads nothing when no such feed has
-- new indicators.
WITH window_flows AS NOT MATERIALIZED (
  SELECT src_addr, src_mac, dst_addr, server_name, tls_version, ja3, ja4, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
    AND direction IN ('outbound', 'internal') AND server_name IS NOT NULL
),
window_dns AS NOT MATERIALIZED (
  SELECT client_addr, query_name, answer_type, answer, seen_at
  FROM dns
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
),
listed_names AS NOT MATERIALIZED (
  SELECT value FROM indicator_match_periods
  WHERE type = 'domain' AND listed_at >= $indicators_since AND listed_at < $indicators_until
),
-- A feed's domains cover their subdomains only where the feed says so (settings
-- 'intel.domain_match.<feed>' = 'subdomains', from the feed's domain_match option); otherwise a
-- listed name is one host, and its parent domain or its other subdomains are not it.
domain_periods AS (
  SELECT p.indicator_id, p.source, p.value, p.threat, p.malware_family, p.active_from, p.active_until,
         coalesce(s.value, 'exact') = 'subdomains' AS covers_subdomains
  FROM indicator_match_periods p
  LEFT JOIN settings s ON s.key = 'intel.domain_match.' || p.source
  WHERE p.type = 'domain' AND p.listed_at >= $indicators_since AND p.listed_at < $indicators_until
),
whole_domains AS (
  SELECT * FROM domain_periods WHERE covers_subdomains
),
-- Subdomains only: the name itself is matched by the equality joins below.
parent_names AS (
  SELECT name, array_to_string(labels[i:], '.') AS parent
  FROM (
    SELECT name, labels, unnest(range(2, len(labels) + 1)) AS i
    FROM (
      SELECT DISTINCT name, string_split(name, '.') AS labels
      FROM (SELECT server_name AS name FROM window_flows UNION ALL SELECT query_name FROM window_dns)
      WHERE EXISTS (SELECT 1 FROM whole_domains)
    )
  )
),
subdomain_hits AS (
  SELECT n.name, w.* FROM parent_names n JOIN whole_domains w ON n.parent = w.value
),
sightings AS (
  SELECT f.src_addr AS device_addr, f.src_mac AS device_mac, f.dst_addr AS remote_addr, f.server_name AS name,
         CASE WHEN f.tls_version IS NOT NULL OR f.ja3 IS NOT NULL OR f.ja4 IS NOT NULL THEN 'tls' ELSE 'http' END AS seen_in,
         f.first_seen_at, f.last_seen_at, p.*
  FROM (FROM window_flows WHERE server_name IN (SELECT value FROM listed_names)) f
  JOIN domain_periods p ON f.server_name = p.value
  UNION ALL
  SELECT d.client_addr, NULL, CASE WHEN d.answer_type IN ('A', 'AAAA') THEN d.answer END, d.query_name, 'dns',
         d.seen_at, d.seen_at, p.*
  FROM (FROM window_dns WHERE query_name IN (SELECT value FROM listed_names)) d
  JOIN domain_periods p ON d.query_name = p.value
  UNION ALL
  SELECT f.src_addr, f.src_mac, f.dst_addr, f.server_name,
         CASE WHEN f.tls_version IS NOT NULL OR f.ja3 IS NOT NULL OR f.ja4 IS NOT NULL THEN 'tls' ELSE 'http' END,
         f.first_seen_at, f.last_seen_at, h.* EXCLUDE (name)
  FROM window_flows f JOIN subdomain_hits h ON f.server_name = h.name
  UNION ALL
  SELECT d.client_addr, NULL, CASE WHEN d.answer_type IN ('A', 'AAAA') THEN d.answer END, d.query_name, 'dns',
         d.seen_at, d.seen_at, h.* EXCLUDE (name)
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
  max(device_mac) AS device_mac,
  domain,
  list(DISTINCT name ORDER BY name)[1:10] AS names,
  list(DISTINCT seen_in ORDER BY seen_in) AS seen_in,
  arg_min(remote_addr, first_seen_at) FILTER (WHERE remote_addr IS NOT NULL) AS remote_addr,
  (list(DISTINCT remote_addr ORDER BY remote_addr) FILTER (WHERE remote_addr IS NOT NULL))[1:10] AS remote_addrs,
  list(DISTINCT CAST(indicator_id AS VARCHAR) ORDER BY CAST(indicator_id AS VARCHAR)) AS indicator_ids,
  list(DISTINCT source ORDER BY source) AS sources,
  string_agg(DISTINCT coalesce(threat, 'malicious'), ', ' ORDER BY coalesce(threat, 'malicious')) AS threat,
  string_agg(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  count(*) AS sightings,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM hits
GROUP BY device_addr, domain
