-- rule.sql in BigQuery's dialect (the same columns and rows). BigQuery has no aggregate median and no
-- list lambdas, so the median gap is PERCENTILE_CONT over each series (a window, as DuckDB's median,
-- interpolating between the two middle gaps) and the regular gaps are counted with COUNTIF; a join
-- with the distinct candidates stands for DuckDB's SEMI JOIN.
WITH recent AS (
  SELECT src_addr, src_mac, dst_addr, dst_port, protocol, ip_proto, src_addr_num, dst_addr_num, server_name,
         src_bytes, dst_bytes, first_seen_at, last_seen_at, ingested_at
  FROM flows
  WHERE ingested_at >= TIMESTAMP_SUB(GREATEST(@window_start, TIMESTAMP_SUB(@window_end, INTERVAL 1 DAY)), INTERVAL 6 HOUR)
    AND ingested_at < @window_end
    AND direction = 'outbound'
    -- NTP and DNS are periodic by design.
    AND NOT (protocol = 'udp' AND dst_port IN (53, 123))
),
candidates AS (
  SELECT src_addr_num, dst_addr_num, dst_port, ip_proto
  FROM recent
  GROUP BY src_addr_num, dst_addr_num, dst_port, ip_proto
  HAVING COUNT(*) >= 10 AND TIMESTAMP_DIFF(MAX(first_seen_at), MIN(first_seen_at), MICROSECOND) >= 3600000000
     AND MAX(ingested_at) >= @window_start
),
series AS (
  SELECT r.*,
         (UNIX_MICROS(r.first_seen_at) - UNIX_MICROS(LAG(r.first_seen_at) OVER (
           PARTITION BY r.src_addr, r.dst_addr, r.dst_port, r.protocol ORDER BY r.first_seen_at))) / 1e6 AS gap_s
  FROM recent r
  JOIN candidates c
    ON r.src_addr_num = c.src_addr_num AND r.dst_addr_num = c.dst_addr_num AND r.dst_port = c.dst_port
   AND r.ip_proto = c.ip_proto
),
medians AS (
  SELECT s.*, PERCENTILE_CONT(s.gap_s, 0.5) OVER (PARTITION BY s.src_addr, s.dst_addr, s.dst_port, s.protocol) AS median_gap_s
  FROM series s
),
pairs AS (
  SELECT src_addr, dst_addr, dst_port, protocol, MAX(src_mac) AS device_mac, MAX(server_name) AS server_name,
         COUNT(*) AS connections, ANY_VALUE(median_gap_s) AS interval_s,
         COUNTIF(ABS(gap_s - median_gap_s) <= GREATEST(0.1 * median_gap_s, 2)) AS regular_gaps,
         COUNT(gap_s) AS gaps,
         SUM(src_bytes) AS sent_bytes, SUM(dst_bytes) AS received_bytes,
         MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM medians
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
  ROUND(interval_s, 1) AS interval_s,
  ROUND(regular_gaps / gaps, 2) AS regular_share,
  sent_bytes,
  received_bytes,
  first_seen_at,
  last_seen_at
FROM pairs
WHERE interval_s BETWEEN 10 AND 7200
  AND regular_gaps >= 0.8 * gaps
