-- rule.sql in BigQuery's dialect (the same columns and rows): TIMESTAMP_SUB/TIMESTAMP_ADD for the
-- interval arithmetic, LOGICAL_OR for bool_or, an ordered ARRAY_AGG for arg_min.
WITH window_macs AS (
  SELECT src_mac AS mac, ARRAY_AGG(src_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS device_addr,
         COUNT(*) AS flows, MIN(first_seen_at) AS first_seen_at, MAX(last_seen_at) AS last_seen_at
  FROM flows
  WHERE ingested_at >= @window_start AND ingested_at < @window_end
    AND src_mac IS NOT NULL AND direction IN ('outbound', 'internal')
  GROUP BY src_mac
),
-- Learning: nothing is new during the network's first day under watch, when every device is.
watched_since AS (
  SELECT MIN(first_seen_at) AS watched_at FROM devices
),
keyed AS (
  SELECT d.mac, d.hostname, d.vendor, d.vendor_class, d.is_randomised_mac, d.first_seen_at,
         CASE WHEN NOT d.is_randomised_mac THEN d.mac
              WHEN d.hostname IS NOT NULL THEN CONCAT('hostname:', LOWER(d.hostname))
              WHEN d.vendor_class IS NOT NULL THEN CONCAT('vendor-class:', LOWER(d.vendor_class))
              ELSE d.mac END AS device_key
  FROM devices d
),
candidates AS (
  SELECT k.device_key, k.mac AS device_mac, w.device_addr, COALESCE(k.hostname, k.vendor, k.mac) AS device_name,
         k.hostname, k.vendor, k.vendor_class, k.is_randomised_mac, w.flows,
         LEAST(k.first_seen_at, w.first_seen_at) AS first_seen_at, w.last_seen_at
  FROM window_macs w
  JOIN keyed k ON k.mac = w.mac
  CROSS JOIN watched_since s
  WHERE k.first_seen_at >= TIMESTAMP_SUB(w.first_seen_at, INTERVAL 10 MINUTE)
    AND k.first_seen_at >= TIMESTAMP_ADD(s.watched_at, INTERVAL 1 DAY)
    -- Another MAC with the same key, seen first, is this device before it changed its MAC.
    AND NOT EXISTS (
      SELECT 1 FROM keyed o
      WHERE k.is_randomised_mac AND o.device_key = k.device_key AND o.mac <> k.mac
        AND o.first_seen_at < k.first_seen_at
    )
)
SELECT
  device_key,
  ARRAY_AGG(device_mac IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS device_mac,
  ARRAY_AGG(device_addr IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS device_addr,
  ARRAY_AGG(device_name IGNORE NULLS ORDER BY first_seen_at LIMIT 1)[SAFE_OFFSET(0)] AS device_name,
  MAX(hostname) AS hostname,
  MAX(vendor) AS vendor,
  MAX(vendor_class) AS vendor_class,
  LOGICAL_OR(is_randomised_mac) AS is_randomised_mac,
  COUNT(*) AS macs,
  SUM(flows) AS flows,
  MIN(first_seen_at) AS first_seen_at,
  MAX(last_seen_at) AS last_seen_at
FROM candidates
GROUP BY device_key
