# Yamori on BigQuery: the dataset, the tables of the BigQuery store (src/store/bigquery/schema.ts, one
# JSON schema per table under schemas/), and two service accounts with the least privileges they need.
# The views (flow_logs, abusech_feodo, indicator_match_periods, ...) are not created here: "yamori serve
# --store bigquery" creates and updates them when it migrates the dataset, as it does on DuckDB.

locals {
  # Every table of the store. partition: the TIMESTAMP column of the day partitions (null: not
  # partitioned); clustering: the columns rows are sorted by inside a partition.
  tables = {
    flows = {
      # Day partitions on event time: a rule window or the retention cut reads only the days it
      # covers. Clustered on the addresses: indicator joins and per-address reads skip most blocks.
      partition  = "first_seen_at"
      clustering = ["dst_addr", "src_addr"]
    }
    dns = {
      partition  = "seen_at"
      clustering = ["answer", "client_addr"]
    }
    devices            = { partition = null, clustering = [] }
    device_addresses   = { partition = null, clustering = [] }
    device_services    = { partition = null, clustering = [] }
    indicators         = { partition = null, clustering = ["source", "type", "value"] }
    indicator_listings = { partition = null, clustering = [] }
    feed_runs          = { partition = null, clustering = [] }
    feed_state         = { partition = null, clustering = [] }
    feed_snapshots     = { partition = null, clustering = [] }
    allowlist          = { partition = null, clustering = [] }
    settings           = { partition = null, clustering = [] }
    rule_state         = { partition = null, clustering = [] }
    alerts             = { partition = null, clustering = [] }
    alert_routing      = { partition = null, clustering = [] }
    deliveries         = { partition = null, clustering = [] }
    alert_events       = { partition = null, clustering = [] }
    schema_migrations  = { partition = null, clustering = [] }
  }

  # What a sensor writes: flows and DNS answers, and the devices it sees (capture and collect).
  sensor_tables = ["flows", "dns", "devices", "device_addresses", "device_services"]
}

resource "google_bigquery_dataset" "yamori" {
  project    = var.project_id
  dataset_id = var.dataset_id
  location   = var.location
  # Retention: BigQuery drops a day partition of flows and dns this long after its day.
  default_partition_expiration_ms = var.retention_days * 86400000
  labels                          = var.labels
}

resource "google_bigquery_table" "tables" {
  for_each            = local.tables
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.yamori.dataset_id
  table_id            = each.key
  schema              = file("${path.module}/schemas/${each.key}.json")
  clustering          = length(each.value.clustering) > 0 ? each.value.clustering : null
  deletion_protection = var.deletion_protection
  labels              = var.labels

  dynamic "time_partitioning" {
    for_each = each.value.partition == null ? [] : [each.value.partition]
    content {
      type  = "DAY"
      field = time_partitioning.value
    }
  }
}

resource "google_service_account" "sensor" {
  project      = var.project_id
  account_id   = var.sensor_account_id
  display_name = "Yamori sensor: writes flows, DNS answers and devices"
}

resource "google_service_account" "server" {
  project      = var.project_id
  account_id   = var.server_account_id
  display_name = "Yamori server: feeds, rules, alerts and the dashboard"
}

# Both accounts run query jobs (reads, DML, loads). jobUser lets an account start jobs in the project
# and nothing else: what a job may read or change is decided by the dataset and table grants below.
resource "google_project_iam_member" "sensor_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.sensor.email}"
}

resource "google_project_iam_member" "server_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.server.email}"
}

# The sensor sees the dataset's and tables' metadata (to check the schema version and the columns),
# but no row of any table it is not granted below.
resource "google_bigquery_dataset_iam_member" "sensor_metadata" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.yamori.dataset_id
  role       = "roles/bigquery.metadataViewer"
  member     = "serviceAccount:${google_service_account.sensor.email}"
}

# The sensor reads and writes only the tables it fills: never indicators, alerts, rule state or
# settings. A stolen router key can add traffic, not read what the household was warned about.
# dataEditor holds bigquery.tables.updateData, the one permission the Storage Write API (how flows and
# DNS answers are written) checks on the table: it needs no further role, only the BigQuery Storage
# API (bigquerystorage.googleapis.com) enabled on the project.
resource "google_bigquery_table_iam_member" "sensor_writes" {
  for_each   = toset(local.sensor_tables)
  project    = var.project_id
  dataset_id = google_bigquery_dataset.yamori.dataset_id
  table_id   = google_bigquery_table.tables[each.key].table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.sensor.email}"
}

# The sensor reads the schema version, to refuse a dataset newer than it understands.
resource "google_bigquery_table_iam_member" "sensor_reads_schema_version" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.yamori.dataset_id
  table_id   = google_bigquery_table.tables["schema_migrations"].table_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.sensor.email}"
}

# The server reads and writes every table of the dataset and creates its views and functions when it
# migrates; dataEditor on this one dataset, not on the project, and no owner or admin role.
resource "google_bigquery_dataset_iam_member" "server_edits_dataset" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.yamori.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.server.email}"
}

# Keys only on request: on Google Cloud, attach the account to the VM; elsewhere prefer workload
# identity federation. A key is a long-lived secret that must be kept like a password.
resource "google_service_account_key" "sensor" {
  count              = var.create_keys ? 1 : 0
  service_account_id = google_service_account.sensor.name
}

resource "google_service_account_key" "server" {
  count              = var.create_keys ? 1 : 0
  service_account_id = google_service_account.server.name
}
