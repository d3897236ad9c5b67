-- Only connections the home device answered count (a completed handshake, or a UDP reply): the
-- internet's constant probing of closed ports is noise. One row per device and service turns a scan
-- or a botnet's login attempts into one finding.
SELECT
  dst_addr AS device_addr,
  max(dst_mac) AS device_mac,
  protocol,
  dst_port AS service_port,
  arg_min(src_addr, first_seen_at) AS remote_addr,
  count(DISTINCT src_addr) AS remotes,
  list(DISTINCT src_addr ORDER BY src_addr)[1:10] AS remote_addrs,
  count(*) AS connections,
  sum(src_bytes) AS received_bytes,
  sum(dst_bytes) AS sent_bytes,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM flows
WHERE ingested_at >= $window_start AND ingested_at < $window_end
  AND direction = 'inbound'
  AND status IN ('established', 'closed')
  AND dst_packets > 0
  -- UDP replies to high ports are mostly peer-to-peer chatter (games, calls, torrents) on ports the
  -- device opened itself; services listen below the ephemeral range (WireGuard's 51820 aside).
  AND (protocol = 'tcp' OR (protocol = 'udp' AND (dst_port < 32768 OR dst_port = 51820)))
GROUP BY dst_addr, protocol, dst_port
