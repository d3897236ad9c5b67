-- rule.sql in BigQuery's dialect (the same columns and rows): SPLIT and UNNEST for the configured
-- resolvers, ARRAY_AGG for list(), COUNTIF for FILTER, an ordered ARRAY_AGG for arg_min.
WITH configured AS (
  SELECT DISTINCT TRIM(addr) AS addr
  FROM settings, UNNEST(SPLIT(value, ',')) AS addr
  WHERE key = 'detect.dns_resolvers' AND TRIM(addr) <> ''
),
home_resolvers AS (
  SELECT DISTINCT a.addr FROM device_services s JOIN device_addresses a ON a.mac = s.mac WHERE s.port = 53
),
queries AS (
  SELECT src_addr, src_mac, dst_addr, protocol, dst_port, status, direction, first_seen_at, last_seen_at,
         CASE WHEN dst_port = 853 THEN 'dns-over-tls' ELSE CONCAT('dns/', protocol) END AS transport
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end
    AND direction IN ('outbound', 'internal')
    AND ((dst_port = 53 AND protocol IN ('udp', 'tcp')) OR (dst_port = 853 AND protocol = 'tcp'))
),
strays AS (
  SELECT q.* FROM queries q
  WHERE CASE WHEN EXISTS (SELECT 1 FROM configured)
             THEN q.dst_addr NOT IN (SELECT addr FROM configured) AND q.src_addr NOT IN (SELECT addr FROM configured)
             ELSE q.direction = 'outbound' AND q.src_addr NOT IN (SELECT addr FROM home_resolvers) END
)
SELECT
  src_addr AS device_addr,
  MAX(src_mac) AS device_mac,
  ARRAY_AGG(dst_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS remote_addr,
  COUNT(DISTINCT dst_addr) AS resolvers,
  ARRAY_AGG(DISTINCT dst_addr IGNORE NULLS ORDER BY dst_addr LIMIT 10) AS resolver_addrs,
  ARRAY_AGG(DISTINCT transport IGNORE NULLS ORDER BY transport) AS transports,
  COUNT(*) AS queries,
  COUNTIF(status NOT IN ('unanswered', 'rejected')) AS answered,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM strays
GROUP BY src_addr
