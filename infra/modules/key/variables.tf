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

# A variable, not data.aws_region: that data source names the region `name`
# in provider 5.x and `region` in 6.x, and these modules take both.
variable "region" {
  description = "The AWS region the key and its users live in (the provider's)."
  type        = string
}
