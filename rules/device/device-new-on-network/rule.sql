-- The devices table has no ingestion time, so devices are found through the flows of the window, and
-- one is new when its first sighting (devices.first_seen_at, kept by the store across all history) is
-- no earlier than ten minutes before its first flow here: no history scan is needed. Randomised MACs
-- are keyed by what the device calls itself (DHCP hostname, else vendor class): a phone that takes a new
-- MAC per network or per day is the same device again, not a new one.
WITH window_macs AS (
  SELECT src_mac AS mac, arg_min(src_addr, first_seen_at) AS device_addr, count(*) AS flows,
         min(first_seen_at) AS first_seen_at, max(last_seen_at) AS last_seen_at
  FROM flows
  WHERE ingested_at >= $window_start AND ingested_at < $window_end
    AND src_mac IS NOT NULL AND direction IN ('outbound', 'internal')
  GROUP BY src_mac
),
-- Learning: nothing is new during the network's first day under watch, when every device is.
watched_since AS (
  SELECT min(first_seen_at) AS at FROM devices
),
keyed AS (
  SELECT d.*,
         CASE WHEN NOT d.is_randomised_mac THEN d.mac
              WHEN d.hostname IS NOT NULL THEN 'hostname:' || lower(d.hostname)
              WHEN d.vendor_class IS NOT NULL THEN 'vendor-class:' || lower(d.vendor_class)
              ELSE d.mac END AS device_key
  FROM devices d
),
candidates AS (
  SELECT k.device_key, k.mac AS device_mac, w.device_addr, coalesce(k.hostname, k.vendor, k.mac) AS device_name,
         k.hostname, k.vendor, k.vendor_class, k.is_randomised_mac, w.flows,
         least(k.first_seen_at, w.first_seen_at) AS first_seen_at, w.last_seen_at
  FROM window_macs w
  JOIN keyed k ON k.mac = w.mac
  CROSS JOIN watched_since s
  WHERE k.first_seen_at >= w.first_seen_at - INTERVAL 10 MINUTES
    AND k.first_seen_at >= s.at + INTERVAL 1 DAY
    -- Another MAC with the same key, seen first, is this device before it changed its MAC.
    AND NOT EXISTS (
      SELECT 1 FROM keyed o
      WHERE k.is_randomised_mac AND o.device_key = k.device_key AND o.mac <> k.mac
        AND o.first_seen_at < k.first_seen_at
    )
)
SELECT
  device_key,
  arg_min(device_mac, first_seen_at) AS device_mac,
  arg_min(device_addr, first_seen_at) AS device_addr,
  arg_min(device_name, first_seen_at) AS device_name,
  max(hostname) AS hostname,
  max(vendor) AS vendor,
  max(vendor_class) AS vendor_class,
  bool_or(is_randomised_mac) AS is_randomised_mac,
  count(*) AS macs,
  sum(flows) AS flows,
  min(first_seen_at) AS first_seen_at,
  max(last_seen_at) AS last_seen_at
FROM candidates
GROUP BY device_key
