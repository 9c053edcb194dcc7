variable "name" {
  description = "Name of the Athena workgroup."
  type        = string
}

variable "table_location" {
  description = "s3:// location of the table's files, ending in /."
  type        = string
}

variable "results_location" {
  description = "s3:// location for Athena query results."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting query results."
  type        = string
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query that would scan more than this (bytes). 10 GB is about $0.05."
  type        = number
  default     = 10737418240
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
