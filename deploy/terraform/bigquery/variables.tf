variable "project_id" {
  description = "The Google Cloud project that holds the dataset and the two service accounts."
  type        = string
}

variable "dataset_id" {
  description = "The BigQuery dataset Yamori uses (the config's bigquery.dataset)."
  type        = string
  default     = "yamori"
}

variable "location" {
  description = "Where the dataset lives (the config's bigquery.location), e.g. EU, US or europe-west4."
  type        = string
  default     = "EU"
}

variable "retention_days" {
  description = "Days a day partition of flows and dns is kept: the dataset's default partition expiration."
  type        = number
  default     = 90
  validation {
    condition     = var.retention_days >= 1
    error_message = "retention_days must be at least 1."
  }
}

variable "sensor_account_id" {
  description = "Account id of the service account the routers write with (yamori capture / collect)."
  type        = string
  default     = "yamori-sensor"
}

variable "server_account_id" {
  description = "Account id of the service account the server runs with (yamori serve)."
  type        = string
  default     = "yamori-server"
}

variable "create_keys" {
  description = "Also create a JSON key for each account (outputs sensor_key, server_key). Prefer workload identity or an attached service account, which need no key."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Refuse to destroy the tables (and their data) with terraform destroy."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels put on the dataset and every table."
  type        = map(string)
  default     = {}
}
