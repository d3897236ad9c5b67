-- rule.sql in BigQuery's dialect (the same columns and rows): a join with the distinct large pairs for
-- DuckDB's SEMI JOIN, ARRAY_AGG for list(), DATE() for the day, TIMESTAMP_SUB for the 30 days.
WITH window_flows AS (
  SELECT src_addr, src_mac, dst_addr, src_addr_num, dst_addr_num, dst_port, protocol, server_name, dns_name,
         src_bytes, dst_bytes, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end AND direction = 'outbound'
),
large AS (
  SELECT src_addr_num, dst_addr_num
  FROM window_flows
  GROUP BY src_addr_num, dst_addr_num
  HAVING SUM(src_bytes) >= 100000000 AND SUM(src_bytes) >= 2 * SUM(dst_bytes)
),
uploads AS (
  SELECT f.src_addr AS device_addr, MAX(f.src_mac) AS device_mac, f.dst_addr AS remote_addr,
         COALESCE(MAX(f.server_name), MAX(f.dns_name)) AS remote_name,
         ARRAY_AGG(DISTINCT CONCAT(f.protocol, '/', CAST(f.dst_port AS STRING)) IGNORE NULLS
                   ORDER BY CONCAT(f.protocol, '/', CAST(f.dst_port AS STRING)) LIMIT 10) AS services,
         SUM(f.src_bytes) AS uploaded_bytes, SUM(f.dst_bytes) AS downloaded_bytes, COUNT(*) AS flows,
         MIN(f.first_seen_at) AS first_seen_at, MAX(f.last_seen_at) AS last_seen_at
  FROM window_flows f JOIN large l ON f.src_addr_num = l.src_addr_num AND f.dst_addr_num = l.dst_addr_num
  GROUP BY f.src_addr, f.dst_addr
),
earlier AS (
  SELECT dst_addr, server_name, dns_name, DATE(first_seen_at) AS day
  FROM flows
  WHERE ingested_at < @window_start AND ingested_at >= TIMESTAMP_SUB(@window_start, INTERVAL 30 DAY)
    AND direction = 'outbound'
),
address_days AS (
  SELECT dst_addr AS remote_addr, COUNT(DISTINCT day) AS days
  FROM earlier WHERE dst_addr IN (SELECT remote_addr FROM uploads) GROUP BY dst_addr
),
name_days AS (
  SELECT name AS remote_name, COUNT(DISTINCT day) AS days
  FROM (
    SELECT server_name AS name, day FROM earlier WHERE server_name IN (SELECT remote_name FROM uploads)
    UNION ALL
    SELECT dns_name, day FROM earlier WHERE dns_name IN (SELECT remote_name FROM uploads)
  )
  GROUP BY name
)
SELECT
  u.device_addr, u.device_mac, u.remote_addr, u.remote_name, u.services,
  u.uploaded_bytes, ROUND(u.uploaded_bytes / 1e6, 1) AS uploaded_mb, u.downloaded_bytes, u.flows,
  GREATEST(COALESCE(a.days, 0), COALESCE(n.days, 0)) AS days_seen_before,
  u.first_seen_at, u.last_seen_at
FROM uploads u
LEFT JOIN address_days a ON a.remote_addr = u.remote_addr
LEFT JOIN name_days n ON n.remote_name = u.remote_name
WHERE GREATEST(COALESCE(a.days, 0), COALESCE(n.days, 0)) < 3
