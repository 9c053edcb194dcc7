variable "name" {
  description = "Name prefix of every hooklake resource."
  type        = string
}

variable "package_path" {
  description = "Path to the release's Lambda zip (the same one ingest runs)."
  type        = string
}

variable "bucket_name" {
  description = "Name of the lake bucket."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the lake bucket."
  type        = string
}

variable "table_prefix" {
  description = "Key prefix of the table's files, ending in /."
  type        = string
}

variable "kms_key_arn" {
  description = "The hooklake KMS key."
  type        = string
}

variable "github_secret_arn" {
  description = "Secrets Manager secret with the GitHub credentials (the ingest module's)."
  type        = string
}

variable "schedule" {
  description = "When the daily run starts (EventBridge schedule expression): recent partitions and any of several files."
  type        = string
  default     = "cron(15 3 * * ? *)"
}

variable "sweep_schedule" {
  description = "When the full sweep starts (every partition, so older rows without changed files are looked up again); null turns it off."
  type        = string
  default     = "cron(45 3 ? * SUN *)"
  nullable    = true
}

variable "recent_days" {
  description = "Days back from the run's date whose partitions the daily run always looks at."
  type        = number
  default     = 7
}

variable "target_file_size" {
  description = "Size of a compacted file, about (AWS's Athena advice: 128 MB or more)."
  type        = string
  default     = "128MiB"
}

variable "memory_mb" {
  description = "Function memory. Compaction holds at most 256 MiB of rows and pages; more memory also buys CPU."
  type        = number
  default     = 1024
}

variable "timeout_seconds" {
  description = "Function timeout (at most 900). No partition starts in the last two minutes; a run the timeout cuts off loses nothing and the next run goes on."
  type        = number
  default     = 900
}

variable "log_retention_days" {
  description = "Days the function's logs are kept."
  type        = number
  default     = 365
}

variable "log_level" {
  description = "RUST_LOG filter for the function."
  type        = string
  default     = "info"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "The permissions boundary every role and user hooklake creates carries (infra/bootstrap's output)."
  type        = string
}
