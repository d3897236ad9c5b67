-- Counting comes before ordering: pairs (device, destination, port) are first counted, on numbers
-- rather than text, over what arrived in the window (at most its last day) and the six hours before, and
-- only those with enough connections over an hour or more, one of them new in the window, are sorted
-- into series. Regularity is judged on the gaps between connection starts: most
-- gaps within 10% (or 2 s) of the median gap, which tolerates a missed or an extra connection where a
-- mean and standard deviation would not.
WITH recent AS NOT MATERIALIZED (
  SELECT src_addr, src_mac, dst_addr, dst_port, protocol, ip_proto, src_addr_num, dst_addr_num, server_name,
         src_bytes, dst_bytes, first_seen_at, last_seen_at, ingested_at
  FROM flows
  WHERE ingested_at >= greatest($window_start, $window_end - INTERVAL 1 DAY) - INTERVAL 6 HOURS
    AND ingested_at < $window_end
    AND direction = 'outbound'
    -- NTP and DNS are periodic by design.
    AND NOT (protocol = 'udp' AND dst_port IN (53, 123))
),
candidates AS (
  SELECT src_addr_num, dst_addr_num, dst_port, ip_proto
  FROM recent
  GROUP BY src_addr_num, dst_addr_num, dst_port, ip_proto
  HAVING count(*) >= 10 AND max(first_seen_at) - min(first_seen_at) >= INTERVAL 1 HOUR
     AND max(ingested_at) >= $window_start
),
series AS (
  SELECT r.*,
         epoch(r.first_seen_at) - epoch(lag(r.first_seen_at) OVER (
           PARTITION BY r.src_addr, r.dst_addr, r.dst_port, r.protocol ORDER BY r.first_seen_at)) AS gap_s
  FROM recent r
  SEMI JOIN candidates c
    ON r.src_addr_num = c.src_addr_num AND r.dst_addr_num = c.dst_addr_num AND r.dst_port = c.dst_port
   AND r.ip_proto = c.ip_proto
),
pairs AS (
  SELECT src_addr, dst_addr, dst_port, protocol, max(src_mac) AS device_mac, max(server_name) AS server_name,
         count(*) AS connections, median(gap_s) AS interval_s, list(gap_s ORDER BY first_seen_at) AS gaps,
         sum(src_bytes) AS sent_bytes, sum(dst_bytes) AS received_bytes,
         min(first_seen_at) AS first_seen_at, max(last_seen_at) AS last_seen_at
  FROM series
  GROUP BY src_addr, dst_addr, dst_port, protocol
)
SELECT
  src_addr AS device_addr,
  device_mac,
  dst_addr AS remote_addr,
  dst_port AS remote_port,
  protocol,
  server_name,
  connections,
  round(interval_s, 1) AS interval_s,
  round(len(list_filter(gaps, g -> abs(g - interval_s) <= greatest(0.1 * interval_s, 2))) / len(list_filter(gaps, g -> g IS NOT NULL)), 2) AS regular_share,
  sent_bytes,
  received_bytes,
  first_seen_at,
  last_seen_at
FROM pairs
WHERE interval_s BETWEEN 10 AND 7200
  AND len(list_filter(gaps, g -> abs(g - interval_s) <= greatest(0.1 * interval_s, 2)))
      >= 0.8 * len(list_filter(gaps, g -> g IS NOT NULL))
