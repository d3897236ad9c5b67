-- Every join is an equality DuckDB can hash, on a flow column where it can, so a small set of new
-- indicators (retro-hunt) filters the flow scan itself: exact addresses join the address number of the
-- remote side; networks join a bucket of it (2^16 addresses for IPv4, 2^80 for IPv6) and then check
-- the range. Only a network wider than 65,536 buckets, or one spanning IPv4 and IPv6, takes a range join.
WITH window_flows AS NOT MATERIALIZED (
  SELECT id AS flow_id, first_seen_at, last_seen_at, src_bytes + dst_bytes AS bytes, direction, status,
         src_addr, dst_addr, src_mac, dst_mac, src_port, dst_port, src_addr_num, dst_addr_num
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
),
-- The remote side: the responder of an outbound flow, or the sender of an inbound flow whose start
-- the sensor did not see (either side may have opened it).
outbound AS NOT MATERIALIZED (
  SELECT * FROM window_flows WHERE direction = 'outbound'
),
inbound AS NOT MATERIALIZED (
  SELECT * FROM window_flows WHERE direction = 'inbound' AND status = 'partial'
),
address_periods AS (
  SELECT indicator_id, source, threat, malware_family, range_start, range_end, active_from, active_until,
    -- 281474976710655 is ::ffff:255.255.255.255, the last IPv4 address as the store numbers it.
    CASE WHEN range_end <= 281474976710655 THEN 65536
         WHEN range_start > 281474976710655 THEN 1208925819614629174706176 END AS bucket_size
  FROM indicator_match_periods
  -- Tor exits are not threats in themselves: intel-tor-exit-traffic reports them, at its own severity.
  WHERE type IN ('ipv4', 'ipv6', 'cidr') AND threat IS DISTINCT FROM 'tor_exit'
    AND listed_at >= $indicators_since AND listed_at < $indicators_until
),
exact AS (
  SELECT indicator_id, source, threat, malware_family, active_from, active_until, range_start
  FROM address_periods WHERE range_start = range_end
),
network_buckets AS (
  SELECT indicator_id, source, threat, malware_family, active_from, active_until, range_start, range_end,
    unnest(range(CAST(range_start // bucket_size AS BIGINT), CAST(range_end // bucket_size AS BIGINT) + 1)) AS bucket
  FROM address_periods
  WHERE range_start < range_end AND range_end // bucket_size - range_start // bucket_size < 65536
),
wide_networks AS (
  SELECT * FROM address_periods
  WHERE range_start < range_end AND (bucket_size IS NULL OR range_end // bucket_size - range_start // bucket_size >= 65536)
),
-- The remote side of both kinds of flow, so each indicator table is joined (and hashed) once.
remote_sides AS NOT MATERIALIZED (
  SELECT flow_id, first_seen_at, last_seen_at, bytes, src_addr AS device_addr, src_mac AS device_mac,
         dst_addr AS remote_addr, dst_port AS remote_port, dst_addr_num AS remote_num
  FROM outbound
  UNION ALL
  SELECT flow_id, first_seen_at, last_seen_at, bytes, dst_addr, dst_mac, src_addr, src_port, src_addr_num
  FROM inbound
),
hits AS (
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.device_addr, f.device_mac, f.remote_addr,
         f.remote_port, p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM remote_sides f JOIN exact p ON f.remote_num = p.range_start
  UNION ALL
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.device_addr, f.device_mac, f.remote_addr,
         f.remote_port, p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM remote_sides f JOIN network_buckets p
    ON CASE WHEN f.remote_num <= 281474976710655 THEN CAST(f.remote_num AS BIGINT) >> 16
            ELSE CAST(f.remote_num // 1208925819614629174706176 AS BIGINT) END = p.bucket
  WHERE f.remote_num BETWEEN p.range_start AND p.range_end
  UNION ALL
  SELECT f.flow_id, f.first_seen_at, f.last_seen_at, f.bytes, f.device_addr, f.device_mac, f.remote_addr,
         f.remote_port, p.indicator_id, p.source, p.threat, p.malware_family, p.active_from, p.active_until
  FROM remote_sides f JOIN wide_networks p ON f.remote_num BETWEEN p.range_start AND p.range_end
),
-- An indicator counts only while it was valid at the time of the traffic.
valid_hits AS (
  SELECT *, row_number() OVER (PARTITION BY flow_id) = 1 AS is_first_of_flow
  FROM hits
  WHERE (active_from IS NULL OR last_seen_at >= active_from)
    AND (active_until IS NULL OR first_seen_at < active_until)
)
SELECT
  device_addr,
  max(device_mac) AS device_mac,
  remote_addr,
  list(DISTINCT remote_port ORDER BY remote_port) AS remote_ports,
  list(DISTINCT CAST(indicator_id AS VARCHAR) ORDER BY CAST(indicator_id AS VARCHAR)) AS indicator_ids,
  list(DISTINCT source ORDER BY source) AS sources,
  string_agg(DISTINCT coalesce(threat, 'malicious'), ', ' ORDER BY coalesce(threat, 'malicious')) AS threat,
  string_agg(DISTINCT malware_family, ', ' ORDER BY malware_family) AS malware_family,
  count(DISTINCT flow_id) AS flows,
  sum(bytes) FILTER (WHERE is_first_of_flow) AS bytes,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM valid_hits
GROUP BY device_addr, remote_addr
