-- rule.sql in BigQuery's dialect (the same columns and rows): ARRAY_AGG for list(), an ordered
-- ARRAY_AGG for arg_min, SELECT * FROM for DuckDB's bare FROM.
WITH window_flows AS (
  SELECT id AS flow_id, direction, status, protocol, src_addr, dst_addr, src_mac, dst_mac, src_port, dst_port,
         src_addr_num, dst_addr_num, src_bytes, dst_bytes, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end
),
exit_periods AS (
  SELECT indicator_id, source, range_start, active_from, active_until
  FROM indicator_match_periods
  WHERE threat = 'tor_exit' AND type IN ('ipv4', 'ipv6') AND range_start = range_end
    AND listed_at >= @indicators_since AND listed_at < @indicators_until
),
-- Outbound: a device connected to an exit (Tor software uses relays, so this is often a relay that is
-- also an exit, or a proxy). Inbound and answered: someone reached a home service through Tor.
sides AS (
  SELECT f.flow_id, 'outbound' AS direction, f.src_addr AS device_addr, f.src_mac AS device_mac,
         f.dst_addr AS remote_addr, f.dst_port AS service_port, f.protocol, f.src_bytes AS sent_bytes,
         f.dst_bytes AS received_bytes, f.first_seen_at, f.last_seen_at, p.*
  FROM (SELECT * FROM window_flows WHERE direction = 'outbound') f JOIN exit_periods p ON f.dst_addr_num = p.range_start
  UNION ALL
  SELECT f.flow_id, 'inbound', f.dst_addr, f.dst_mac, f.src_addr, f.dst_port, f.protocol, f.dst_bytes, f.src_bytes,
         f.first_seen_at, f.last_seen_at, p.*
  FROM (SELECT * FROM window_flows WHERE direction = 'inbound' AND status IN ('established', 'closed')) f
  JOIN exit_periods p ON f.src_addr_num = p.range_start
),
-- An exit counts only while it was listed at the time of the traffic.
hits AS (
  SELECT * FROM sides
  WHERE (active_from IS NULL OR last_seen_at >= active_from)
    AND (active_until IS NULL OR first_seen_at < active_until)
)
SELECT
  device_addr,
  MAX(device_mac) AS device_mac,
  direction,
  ARRAY_AGG(remote_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS remote_addr,
  COUNT(DISTINCT remote_addr) AS exits,
  ARRAY_AGG(DISTINCT remote_addr IGNORE NULLS ORDER BY remote_addr LIMIT 10) AS remote_addrs,
  ARRAY_AGG(DISTINCT CONCAT(protocol, '/', CAST(service_port AS STRING)) IGNORE NULLS
            ORDER BY CONCAT(protocol, '/', CAST(service_port AS STRING)) LIMIT 10) AS services,
  ARRAY_AGG(DISTINCT CAST(indicator_id AS STRING) IGNORE NULLS ORDER BY CAST(indicator_id AS STRING)) AS indicator_ids,
  ARRAY_AGG(DISTINCT source IGNORE NULLS ORDER BY source) AS sources,
  COUNT(DISTINCT flow_id) AS flows,
  SUM(sent_bytes) AS sent_bytes,
  SUM(received_bytes) AS received_bytes,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM hits
GROUP BY device_addr, direction
