variable "bucket_name" {
  description = "Globally unique name of the lake bucket."
  type        = string
}

variable "table_prefix" {
  description = "Prefix of the table's Parquet files in the bucket."
  type        = string
  default     = "github_webhooks_table"
}

variable "kms_key_arn" {
  description = "KMS key for default encryption (SSE-KMS)."
  type        = string
}

variable "versioning" {
  description = "Keep earlier versions of overwritten objects (a retried batch overwrites its own object)."
  type        = bool
  default     = true
}

variable "noncurrent_version_days" {
  description = "Days an overwritten object version is kept when versioning is on."
  type        = number
  default     = 30
}

variable "cold_after_days" {
  description = "Age in days after which table files move to cold_storage_class."
  type        = number
  default     = 180
}

variable "cold_storage_class" {
  description = "Colder storage class for old table files. Only classes Athena can still read are allowed (not GLACIER or DEEP_ARCHIVE)."
  type        = string
  default     = "GLACIER_IR"
  validation {
    condition     = contains(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"], var.cold_storage_class)
    error_message = "cold_storage_class must be one Athena can read: STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING or GLACIER_IR."
  }
}

variable "claim_check_days" {
  description = "Days claim-check objects (oversize deliveries) are kept; must exceed the queue's and DLQ's retention."
  type        = number
  default     = 30
}

variable "athena_results_days" {
  description = "Days Athena query results are kept."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
