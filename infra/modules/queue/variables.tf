variable "name" {
  description = "Name prefix of every hooklake resource."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the queues."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the delivery queue: 6 x the ingest function's timeout + its batching window (AWS's advice; infra/example derives it from both)."
  type        = number
  default     = 390
}

variable "message_retention_seconds" {
  description = "How long undelivered messages stay in the delivery queue. Shorter than the dead-letter queue's 14 days: SQS keeps a message's original enqueue time when it moves it to the DLQ, so a message that retried for days must still have days left there."
  type        = number
  default     = 345600 # 4 days
  validation {
    condition     = var.message_retention_seconds <= 604800
    error_message = "At most 7 days, so a message moved to the dead-letter queue (14 days) keeps at least 7 days there."
  }
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue. High enough to ride out a GitHub rate-limit window."
  type        = number
  default     = 10
}

variable "alert_senders" {
  description = "IAM principals (the Worker's) allowed to send to the alert queue, granted by the queue's own policy."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
