-- Tor exit lists hold single addresses, so each side is one equality join on the flow's own address
-- number: a handful of new exits (retro-hunt) filters the flow scan itself.
WITH window_flows AS NOT MATERIALIZED (
  SELECT id AS flow_id, direction, status, protocol, src_addr, dst_addr, src_mac, dst_mac, src_port, dst_port,
         src_addr_num, dst_addr_num, src_bytes, dst_bytes, first_seen_at, last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
),
exit_periods AS (
  SELECT indicator_id, source, range_start, active_from, active_until
  FROM indicator_match_periods
  WHERE threat = 'tor_exit' AND type IN ('ipv4', 'ipv6') AND range_start = range_end
    AND listed_at >= $indicators_since AND listed_at < $indicators_until
),
-- Outbound: a device connected to an exit (Tor software uses relays, so this is often a relay that is
-- also an exit, or a proxy). Inbound and answered: someone reached a home service through Tor.
sides AS (
  SELECT f.flow_id, 'outbound' AS direction, f.src_addr AS device_addr, f.src_mac AS device_mac,
         f.dst_addr AS remote_addr, f.dst_port AS service_port, f.protocol, f.src_bytes AS sent_bytes,
         f.dst_bytes AS received_bytes, f.first_seen_at, f.last_seen_at, p.*
  FROM (FROM window_flows WHERE direction = 'outbound') f JOIN exit_periods p ON f.dst_addr_num = p.range_start
  UNION ALL
  SELECT f.flow_id, 'inbound', f.dst_addr, f.dst_mac, f.src_addr, f.dst_port, f.protocol, f.dst_bytes, f.src_bytes,
         f.first_seen_at, f.last_seen_at, p.*
  -- The status test is written as ranges so that DuckDB applies it inside the flow scan. An IN list is
  -- only a hint there, checked by a filter above the scan that gathers 2,048 flows before the join sees
  -- one; with no new exits (a retro-hunt pass started by other indicators) that read about 2 million
  -- flows to find nothing, where the join now stops the scan at its first matching vector.
  FROM (
    FROM window_flows
    WHERE direction = 'inbound'
      AND ((status >= 'closed' AND status <= 'closed') OR (status >= 'established' AND status <= 'established'))
  ) f
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
  max(device_mac) AS device_mac,
  direction,
  arg_min(remote_addr, first_seen_at) AS remote_addr,
  count(DISTINCT remote_addr) AS exits,
  list(DISTINCT remote_addr ORDER BY remote_addr)[1:10] AS remote_addrs,
  list(DISTINCT protocol || '/' || service_port ORDER BY protocol || '/' || service_port)[1:10] AS services,
  list(DISTINCT CAST(indicator_id AS VARCHAR) ORDER BY CAST(indicator_id AS VARCHAR)) AS indicator_ids,
  list(DISTINCT source ORDER BY source) AS sources,
  count(DISTINCT flow_id) AS flows,
  sum(sent_bytes) AS sent_bytes,
  sum(received_bytes) AS received_bytes,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM hits
GROUP BY device_addr, direction
