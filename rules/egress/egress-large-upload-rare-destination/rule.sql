-- Uploads are summed per device and destination (as numbers) over the window first, with sums only;
-- details and the 30 days before the window are read only for the few destinations past the threshold.
-- Thresholds: 100 MB sent, at least twice what came back; "rare" is fewer than 3 days with traffic
-- to the address or its name (any device) in those 30 days. Copy the rule to change them.
WITH window_flows AS NOT MATERIALIZED (
  SELECT src_addr, src_mac, dst_addr, src_addr_num, dst_addr_num, dst_port, protocol, server_name, dns_name,
         src_bytes, dst_bytes, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end AND direction = 'outbound'
),
large AS (
  SELECT src_addr_num, dst_addr_num
  FROM window_flows
  GROUP BY src_addr_num, dst_addr_num
  HAVING sum(src_bytes) >= 100000000 AND sum(src_bytes) >= 2 * sum(dst_bytes)
),
uploads AS (
  SELECT f.src_addr AS device_addr, max(f.src_mac) AS device_mac, f.dst_addr AS remote_addr,
         coalesce(max(f.server_name), max(f.dns_name)) AS remote_name,
         list(DISTINCT f.protocol || '/' || f.dst_port ORDER BY f.protocol || '/' || f.dst_port)[1:10] AS services,
         sum(f.src_bytes) AS uploaded_bytes, sum(f.dst_bytes) AS downloaded_bytes, count(*) AS flows,
         min(f.first_seen_at) AS first_seen_at, max(f.last_seen_at) AS last_seen_at
  FROM window_flows f SEMI JOIN large l ON f.src_addr_num = l.src_addr_num AND f.dst_addr_num = l.dst_addr_num
  GROUP BY f.src_addr, f.dst_addr
),
earlier AS NOT MATERIALIZED (
  SELECT dst_addr, server_name, dns_name, CAST(first_seen_at AS DATE) AS day
  FROM flows
  WHERE ingested_at < $window_start AND ingested_at >= $window_start - INTERVAL 30 DAYS AND direction = 'outbound'
),
address_days AS (
  SELECT dst_addr AS remote_addr, count(DISTINCT day) AS days
  FROM earlier WHERE dst_addr IN (SELECT remote_addr FROM uploads) GROUP BY dst_addr
),
name_days AS (
  SELECT name AS remote_name, count(DISTINCT day) AS days
  FROM (
    SELECT server_name AS name, day FROM earlier WHERE server_name IN (SELECT remote_name FROM uploads)
    UNION ALL
    SELECT dns_name, day FROM earlier WHERE dns_name IN (SELECT remote_name FROM uploads)
  )
  GROUP BY name
)
SELECT
  u.device_addr, u.device_mac, u.remote_addr, u.remote_name, u.services,
  u.uploaded_bytes, round(u.uploaded_bytes / 1e6, 1) AS uploaded_mb, u.downloaded_bytes, u.flows,
  greatest(coalesce(a.days, 0), coalesce(n.days, 0)) AS days_seen_before,
  u.first_seen_at, u.last_seen_at
FROM uploads u
LEFT JOIN address_days a ON a.remote_addr = u.remote_addr
LEFT JOIN name_days n ON n.remote_name = u.remote_name
WHERE greatest(coalesce(a.days, 0), coalesce(n.days, 0)) < 3
