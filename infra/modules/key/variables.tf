variable "name" {
  description = "Name prefix of every hooklake resource (e.g. hooklake)."
  type        = string
}

variable "encrypt_via_service_principals" {
  description = "IAM principals (the Worker's) that may use the key only through S3 and SQS, to send encrypted messages and claim-check objects."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
