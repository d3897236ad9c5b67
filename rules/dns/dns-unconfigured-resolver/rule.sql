-- The configured resolvers come from the settings table ("detect.dns_resolvers", comma-separated,
-- written from the config), since rule parameters are only the engine's windows. Without that setting
-- any resolver on the home networks counts, and so do the upstream queries of home devices that answer
-- DNS themselves (the router, a Pi-hole).
WITH configured AS (
  SELECT DISTINCT trim(addr) AS addr
  FROM (SELECT unnest(string_split(value, ',')) AS addr FROM settings WHERE key = 'detect.dns_resolvers')
  WHERE trim(addr) <> ''
),
home_resolvers AS (
  SELECT DISTINCT a.addr FROM device_services s JOIN device_addresses a ON a.mac = s.mac WHERE s.port = 53
),
-- One branch per port, so that each port's equality filters the scan itself and only DNS flows are read whole.
queries AS (
  SELECT src_addr, src_mac, dst_addr, protocol, dst_port, status, direction, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
    AND direction IN ('outbound', 'internal') AND dst_port = 53 AND protocol IN ('udp', 'tcp')
  UNION ALL
  SELECT src_addr, src_mac, dst_addr, protocol, dst_port, status, direction, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
    AND direction IN ('outbound', 'internal') AND dst_port = 853 AND protocol = 'tcp'
),
strays AS (
  SELECT q.* FROM queries q
  WHERE CASE WHEN EXISTS (SELECT 1 FROM configured)
             THEN q.dst_addr NOT IN (SELECT addr FROM configured) AND q.src_addr NOT IN (SELECT addr FROM configured)
             ELSE q.direction = 'outbound' AND q.src_addr NOT IN (SELECT addr FROM home_resolvers) END
)
SELECT
  src_addr AS device_addr,
  max(src_mac) AS device_mac,
  arg_min(dst_addr, first_seen_at) AS remote_addr,
  count(DISTINCT dst_addr) AS resolvers,
  list(DISTINCT dst_addr ORDER BY dst_addr)[1:10] AS resolver_addrs,
  list(DISTINCT CASE WHEN dst_port = 853 THEN 'dns-over-tls' ELSE 'dns/' || protocol END ORDER BY CASE WHEN dst_port = 853 THEN 'dns-over-tls' ELSE 'dns/' || protocol END) AS transports,
  count(*) AS queries,
  count(*) FILTER (WHERE status NOT IN ('unanswered', 'rejected')) AS answered,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM strays
GROUP BY src_addr
