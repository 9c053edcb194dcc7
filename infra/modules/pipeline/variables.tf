variable "region" {
  description = "AWS region for every resource (the provider's)."
  type        = string
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

variable "redelivery_hooks" {
  description = "The webhooks whose failed deliveries are redelivered (repo:OWNER/NAME:ID, org:ORG:ID)."
  type        = list(string)
  default     = []
}

variable "permissions_boundary_arn" {
  description = "infra/bootstrap's output permissions_boundary_arn: the boundary of every role and user hooklake creates."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
