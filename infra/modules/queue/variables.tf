variable "name" {
  description = "Name prefix of every hooklake resource."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the queues."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the delivery queue; at least 6x the Lambda timeout."
  type        = number
  default     = 360
}

variable "message_retention_seconds" {
  description = "How long undelivered messages stay in the delivery queue."
  type        = number
  default     = 1209600
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
