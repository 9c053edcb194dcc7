variable "name" {
  description = "Name prefix of every hooklake resource."
  type        = string
}

variable "package_path" {
  description = "Path to the release's Lambda zip (bootstrap for provided.al2023, arm64)."
  type        = string
}

variable "queue_arn" {
  description = "ARN of the delivery queue the function consumes."
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

variable "claim_check_prefix" {
  description = "Key prefix of the Worker's oversize deliveries, ending in /."
  type        = string
}

variable "kms_key_arn" {
  description = "The hooklake KMS key."
  type        = string
}

variable "memory_mb" {
  description = "Function memory. Parquet encoding is CPU-bound; 512 MB buys enough of a vCPU for a full batch."
  type        = number
  default     = 512
}

variable "timeout_seconds" {
  description = "Function timeout. The queue's visibility timeout must be at least 6x this."
  type        = number
  default     = 60
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the queue starts (the event source's cap, 2 to 1000); also bounds GitHub API use. Nothing is reserved: reserving fails on new or low-quota accounts."
  type        = number
  default     = 5
  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000
    error_message = "SQS event sources take a maximum concurrency from 2 to 1000."
  }
}

variable "batch_size" {
  description = "Most messages per invocation (up to 10,000 with a batching window)."
  type        = number
  default     = 1000
}

variable "batching_window_seconds" {
  description = "How long SQS gathers a batch: fewer, larger Parquet files."
  type        = number
  default     = 30
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
