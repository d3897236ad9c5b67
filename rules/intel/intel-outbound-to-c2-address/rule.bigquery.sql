-- rule.sql in BigQuery's dialect (the same columns and rows). Address numbers are 32 lowercase hex
-- digits here (fixed width, so text order is number order and BETWEEN works as on DuckDB's HUGEINT),
-- and a bucket is a prefix of them: 28 digits (2^16 addresses) for IPv4, which the store maps into
-- ::ffff:0:0/96 (24 digits of prefix), and 12 digits (2^80 addresses) for IPv6. Exact addresses join
-- the remote side's number; networks join its bucket and then check the range; only a network of
-- 65,536 buckets or more, or one spanning IPv4 and IPv6, takes a range join.
WITH window_flows AS (
  SELECT id AS flow_id, first_seen_at, last_seen_at, src_bytes + dst_bytes AS bytes, direction, status,
         src_addr, dst_addr, src_mac, dst_mac, src_port, dst_port, src_addr_num, dst_addr_num,
         -- ::ffff:255.255.255.255 is the last IPv4 address as the store numbers it.
         IF(src_addr_num <= '00000000000000000000ffffffffffff', SUBSTR(src_addr_num, 1, 28), SUBSTR(src_addr_num, 1, 12)) AS src_bucket,
         IF(dst_addr_num <= '00000000000000000000ffffffffffff', SUBSTR(dst_addr_num, 1, 28), SUBSTR(dst_addr_num, 1, 12)) AS dst_bucket
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end
),
-- The remote side: the responder of an outbound flow, or the sender of an inbound flow whose start
-- the sensor did not see (either side may have opened it).
outbound AS (
  SELECT * FROM window_flows WHERE direction = 'outbound'
),
inbound AS (
  SELECT * FROM window_flows WHERE direction = 'inbound' AND status = 'partial'
),
address_periods AS (
  SELECT indicator_id, source, threat, malware_family, range_start, range_end, active_from, active_until,
    CASE WHEN range_end <= '00000000000000000000ffffffffffff'
              AND SUBSTR(range_start, 1, 24) = SUBSTR(range_end, 1, 24) THEN 'ipv4'
         WHEN range_start > '00000000000000000000ffffffffffff'
              AND CAST(CONCAT('0x', SUBSTR(range_end, 1, 12)) AS INT64)
                  - CAST(CONCAT('0x', SUBSTR(range_start, 1, 12)) AS INT64) < 65536 THEN 'ipv6' END AS bucketed
  FROM indicator_match_periods
  -- Tor exits are not threats in themselves: intel-tor-exit-traffic reports them, at its own severity.
  WHERE type IN ('ipv4', 'ipv6', 'cidr') AND threat IS DISTINCT FROM 'tor_exit'
    AND listed_at >= @indicators_since AND listed_at < @indicators_until
),
exact AS (
  SELECT indicator_id, source, threat, malware_family, active_from, active_until, range_start
  FROM address_periods WHERE range_start = range_end
),
network_buckets AS (
  SELECT indicator_id, source, threat, malware_family, active_from, active_until, range_start, range_end,
    CONCAT(SUBSTR(range_start, 1, 24), FORMAT('%04x', b)) AS bucket
  FROM address_periods,
    UNNEST(GENERATE_ARRAY(CAST(CONCAT('0x', SUBSTR(range_start, 25, 4)) AS INT64),
                          CAST(CONCAT('0x', SUBSTR(range_end, 25, 4)) AS INT64))) AS b
  WHERE range_start < range_end AND bucketed = 'ipv4'
  UNION ALL
  SELECT indicator_id, source, threat, malware_family, active_from, active_until, range_start, range_end,
    LPAD(FORMAT('%x', b), 12, '0') AS bucket
  FROM address_periods,
    UNNEST(GENERATE_ARRAY(CAST(CONCAT('0x', SUBSTR(range_start, 1, 12)) AS INT64),
                          CAST(CONCAT('0x', SUBSTR(range_end, 1, 12)) AS INT64))) AS b
  WHERE range_start < range_end AND bucketed = 'ipv6'
),
wide_networks AS (
  SELECT * FROM address_periods WHERE range_start < range_end AND bucketed IS NULL
),
hits AS (
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.src_addr AS device_addr, f.src_mac AS device_mac,
         f.dst_addr AS remote_addr, f.dst_port AS remote_port, p.indicator_id, p.source, p.threat,
         p.malware_family, p.active_from, p.active_until
  FROM outbound f JOIN exact p ON f.dst_addr_num = p.range_start
  UNION ALL
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.dst_addr, f.dst_mac, f.src_addr, f.src_port,
         p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM inbound f JOIN exact p ON f.src_addr_num = p.range_start
  UNION ALL
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.src_addr, f.src_mac, f.dst_addr, f.dst_port,
         p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM outbound f JOIN network_buckets p ON f.dst_bucket = p.bucket
  WHERE f.dst_addr_num BETWEEN p.range_start AND p.range_end
  UNION ALL
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.dst_addr, f.dst_mac, f.src_addr, f.src_port,
         p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM inbound f JOIN network_buckets p ON f.src_bucket = p.bucket
  WHERE f.src_addr_num BETWEEN p.range_start AND p.range_end
  UNION ALL
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.src_addr, f.src_mac, f.dst_addr, f.dst_port,
         p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM outbound f JOIN wide_networks p ON f.dst_addr_num BETWEEN p.range_start AND p.range_end
  UNION ALL
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.dst_addr, f.dst_mac, f.src_addr, f.src_port,
         p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM inbound f JOIN wide_networks p ON f.src_addr_num BETWEEN p.range_start AND p.range_end
),
-- An indicator counts only while it was valid at the time of the traffic.
valid_hits AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY flow_id) = 1 AS is_first_of_flow
  FROM hits
  WHERE (active_from IS NULL OR last_seen_at >= active_from)
    AND (active_until IS NULL OR first_seen_at < active_until)
)
SELECT
  device_addr,
  MAX(device_mac) AS device_mac,
  remote_addr,
  ARRAY_AGG(DISTINCT remote_port IGNORE NULLS ORDER BY remote_port) AS remote_ports,
  ARRAY_AGG(DISTINCT CAST(indicator_id AS STRING) IGNORE NULLS ORDER BY CAST(indicator_id AS STRING)) AS indicator_ids,
  ARRAY_AGG(DISTINCT source IGNORE NULLS ORDER BY source) AS sources,
  STRING_AGG(DISTINCT COALESCE(threat, 'malicious'), ', ' ORDER BY COALESCE(threat, 'malicious')) AS threat,
  STRING_AGG(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  COUNT(DISTINCT flow_id) AS flows,
  SUM(IF(is_first_of_flow, bytes, NULL)) AS bytes,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM valid_hits
GROUP BY device_addr, remote_addr
