-- The port alone decides: these services have no business crossing the home network's edge, and
-- grouping per device and service turns a worm's sweep into one row.
SELECT
  src_addr AS device_addr,
  max(src_mac) AS device_mac,
  CASE dst_port
    WHEN 23 THEN 'telnet' WHEN 2323 THEN 'telnet'
    WHEN 135 THEN 'ms-rpc' WHEN 139 THEN 'netbios'
    WHEN 445 THEN 'smb' WHEN 3389 THEN 'rdp' ELSE 'vnc'
  END AS service,
  arg_min(dst_addr, first_seen_at) AS remote_addr,
  count(DISTINCT dst_addr) AS remote_count,
  list(DISTINCT dst_addr ORDER BY dst_addr)[1:10] AS remote_addrs,
  count(*) AS connections,
  count(*) FILTER (WHERE status NOT IN ('unanswered', 'rejected')) AS answered,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM flows
WHERE ingested_at >= $window_start AND ingested_at < $window_end
  AND direction = 'outbound'
  AND protocol = 'tcp'
  AND dst_port IN (23, 2323, 135, 139, 445, 3389, 5900)
GROUP BY src_addr, service
