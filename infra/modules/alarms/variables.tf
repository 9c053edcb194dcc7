variable "name" {
  description = "Name prefix of every hooklake resource."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the alarm topic."
  type        = string
}

variable "queue_name" {
  description = "Name of the delivery queue."
  type        = string
}

variable "dead_letter_queue_name" {
  description = "Name of the dead-letter queue."
  type        = string
}

variable "alert_queue_name" {
  description = "Name of the Worker's alert queue."
  type        = string
}

variable "function_name" {
  description = "Name of the ingest function."
  type        = string
}

variable "compaction_function_name" {
  description = "Name of the scheduled compaction function."
  type        = string
}

variable "redelivery_function_name" {
  description = "Name of the scheduled redelivery function, or null when it is not deployed."
  type        = string
  default     = null
}

variable "max_delivery_age_seconds" {
  description = "Alarm when the oldest waiting delivery is older than this."
  type        = number
  default     = 1800
}

variable "stalled_hours" {
  description = "Alarm when deliveries arrived and no row was written for this many consecutive hours."
  type        = number
  default     = 2
}

variable "enrichment_statuses" {
  description = "The changed_files_status values the dashboard plots (schema/src/metrics.rs ENRICHMENT_STATUSES)."
  type        = list(string)
  default     = ["complete", "truncated", "not_found", "pending", "no_credentials", "unauthorized", "unavailable", "rate_limited"]
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each must confirm by email)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "The AWS region of the dashboard's metrics (the provider's)."
  type        = string
}
