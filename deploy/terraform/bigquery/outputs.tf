output "project_id" {
  description = "The config's bigquery.project."
  value       = var.project_id
}

output "dataset_id" {
  description = "The config's bigquery.dataset."
  value       = google_bigquery_dataset.yamori.dataset_id
}

output "location" {
  description = "The config's bigquery.location."
  value       = google_bigquery_dataset.yamori.location
}

output "tables" {
  description = "The tables created, by name."
  value       = sort(keys(google_bigquery_table.tables))
}

output "sensor_service_account" {
  description = "The email of the account sensors write with."
  value       = google_service_account.sensor.email
}

output "server_service_account" {
  description = "The email of the account the server runs with."
  value       = google_service_account.server.email
}

output "sensor_key" {
  description = "The sensor's JSON key (base64), when create_keys is true: base64 -d > sensor-key.json."
  value       = var.create_keys ? google_service_account_key.sensor[0].private_key : null
  sensitive   = true
}

output "server_key" {
  description = "The server's JSON key (base64), when create_keys is true: base64 -d > server-key.json."
  value       = var.create_keys ? google_service_account_key.server[0].private_key : null
  sensitive   = true
}
