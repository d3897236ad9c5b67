-- rule.sql in BigQuery's dialect (the same columns and rows): ARRAY_AGG for list(), COUNTIF for
-- FILTER, and the first remote by time through an ordered ARRAY_AGG (BigQuery has no arg_min).
SELECT
  src_addr AS device_addr,
  MAX(src_mac) AS device_mac,
  CASE dst_port
    WHEN 23 THEN 'telnet' WHEN 2323 THEN 'telnet'
    WHEN 135 THEN 'ms-rpc' WHEN 139 THEN 'netbios'
    WHEN 445 THEN 'smb' WHEN 3389 THEN 'rdp' ELSE 'vnc'
  END AS service,
  ARRAY_AGG(dst_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS remote_addr,
  COUNT(DISTINCT dst_addr) AS remote_count,
  ARRAY_AGG(DISTINCT dst_addr IGNORE NULLS ORDER BY dst_addr LIMIT 10) AS remote_addrs,
  COUNT(*) AS connections,
  COUNTIF(status NOT IN ('unanswered', 'rejected')) AS answered,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM flows
WHERE ingested_at >= @window_start AND ingested_at < @window_end
  AND direction = 'outbound'
  AND protocol = 'tcp'
  AND dst_port IN (23, 2323, 135, 139, 445, 3389, 5900)
GROUP BY device_addr, service
