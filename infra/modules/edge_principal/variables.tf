variable "name" {
  description = "Name prefix of every hooklake resource."
  type        = string
}

variable "queue_arn" {
  description = "ARN of the delivery queue, the only queue the Worker may send to."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the lake bucket."
  type        = string
}

variable "claim_check_prefix" {
  description = "Key prefix under which the Worker may put oversize deliveries."
  type        = string
  default     = "claim-check/"
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
