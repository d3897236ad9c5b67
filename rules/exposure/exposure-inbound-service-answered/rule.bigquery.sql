-- rule.sql in BigQuery's dialect (the same columns and rows): ARRAY_AGG for list(), and the first
-- remote by time through an ordered ARRAY_AGG (BigQuery has no arg_min).
SELECT
  dst_addr AS device_addr,
  MAX(dst_mac) AS device_mac,
  protocol,
  dst_port AS service_port,
  ARRAY_AGG(src_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS remote_addr,
  COUNT(DISTINCT src_addr) AS remotes,
  ARRAY_AGG(DISTINCT src_addr IGNORE NULLS ORDER BY src_addr LIMIT 10) AS remote_addrs,
  COUNT(*) AS connections,
  SUM(src_bytes) AS received_bytes,
  SUM(dst_bytes) AS sent_bytes,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM flows
WHERE ingested_at >= @window_start AND ingested_at < @window_end
  AND direction = 'inbound'
  AND status IN ('established', 'closed')
  AND dst_packets > 0
  -- UDP replies to high ports are mostly peer-to-peer chatter (games, calls, torrents) on ports the
  -- device opened itself; services listen below the ephemeral range (WireGuard's 51820 aside).
  AND (protocol = 'tcp' OR (protocol = 'udp' AND (dst_port < 32768 OR dst_port = 51820)))
GROUP BY dst_addr, protocol, dst_port
