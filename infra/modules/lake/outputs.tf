output "bucket_name" {
  description = "Name of the lake bucket."
  value       = aws_s3_bucket.lake.bucket
}

output "bucket_arn" {
  description = "ARN of the lake bucket."
  value       = aws_s3_bucket.lake.arn
}

output "table_location" {
  description = "s3:// location of the table's files, ending in /."
  value       = "s3://${aws_s3_bucket.lake.bucket}/${local.table_prefix}/"
}

output "table_prefix" {
  description = "Key prefix of the table's files, ending in /."
  value       = "${local.table_prefix}/"
}

output "claim_check_prefix" {
  description = "Key prefix where the Worker stores oversize deliveries."
  value       = local.claim_check_prefix
}

output "athena_results_location" {
  description = "s3:// location for Athena query results."
  value       = "s3://${aws_s3_bucket.lake.bucket}/${local.athena_results_path}"
}
