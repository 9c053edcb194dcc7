variable "name" {
  description = "Name prefix of every hooklake resource."
  type        = string
}

variable "package_path" {
  description = "Path to the release's Lambda zip (the same one ingest runs)."
  type        = string
}

variable "hooks" {
  description = "The hooks whose deliveries are checked: repo:OWNER/NAME:HOOK_ID, org:ORG:HOOK_ID, or app."
  type        = list(string)
  validation {
    condition     = length(var.hooks) > 0 && alltrue([for h in var.hooks : can(regex("^(repo:[^/:]+/[^/:]+:[0-9]+|org:[^/:]+:[0-9]+|app)$", h))])
    error_message = "Each hook is repo:OWNER/NAME:HOOK_ID, org:ORG:HOOK_ID or app, and there is at least one."
  }
}

variable "bucket_name" {
  description = "Name of the bucket that keeps the state (the lake bucket)."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of that bucket."
  type        = string
}

variable "state_prefix" {
  description = "Key prefix of the hooks' state objects, ending in /, outside the table's prefix."
  type        = string
  default     = "hooklake-state/redeliver/"
  validation {
    condition     = endswith(var.state_prefix, "/")
    error_message = "The state prefix ends in /."
  }
}

variable "kms_key_arn" {
  description = "The hooklake KMS key."
  type        = string
}

variable "schedule" {
  description = "How often the delivery logs are read (EventBridge schedule expression). GitHub keeps them 3 days."
  type        = string
  default     = "rate(15 minutes)"
}

variable "memory_mb" {
  description = "Function memory."
  type        = number
  default     = 256
}

variable "timeout_seconds" {
  description = "Function timeout. Redelivery requests are paced a second apart."
  type        = number
  default     = 300
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
