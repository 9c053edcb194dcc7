variable "region" {
  description = "AWS region for every resource."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name prefix of every resource."
  type        = string
  default     = "hooklake"
}

variable "lake_bucket_name" {
  description = "Globally unique name for the lake bucket."
  type        = string
}

variable "lambda_package" {
  description = "Path to the release's hooklake-lambda-arm64.zip."
  type        = string
  default     = "hooklake-lambda-arm64.zip"
}

variable "worker_url" {
  description = "The Worker's public https:// URL (wrangler deploy prints it)."
  type        = string
}

variable "github_owner" {
  description = "GitHub user or organisation that owns the repositories."
  type        = string
}

variable "github_repositories" {
  description = "Repositories that get the webhook (empty with github_organization_webhook for the whole organisation)."
  type        = list(string)
  default     = []
}

variable "github_organization_webhook" {
  description = "One webhook on the whole organisation."
  type        = bool
  default     = false
}

variable "alarm_emails" {
  description = "Email addresses for alarms."
  type        = list(string)
  default     = []
}

variable "compaction_schedule" {
  description = "When the daily compaction runs (EventBridge schedule expression)."
  type        = string
  default     = "cron(15 3 * * ? *)"
}

variable "redelivery_schedule" {
  description = "How often the webhooks' delivery logs are read and failed deliveries redelivered (GitHub keeps them 3 days)."
  type        = string
  default     = "rate(15 minutes)"
}

variable "permissions_boundary_arn" {
  description = "infra/bootstrap's output permissions_boundary_arn: the boundary of every role and user hooklake creates."
  type        = string
}
