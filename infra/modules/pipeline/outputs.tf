output "queue_url" {
  description = "SQS_QUEUE_URL for the Worker; --queue-url for hooklake ingest."
  value       = module.queue.deliveries_url
}

output "dead_letter_queue_url" {
  description = "The dead-letter queue, for hooklake dlq dump / redrive."
  value       = module.queue.dead_letter_url
}

output "alert_queue_url" {
  description = "SQS_ALERT_QUEUE_URL for the Worker."
  value       = module.queue.alerts_url
}

output "lake_bucket" {
  description = "CLAIM_CHECK_BUCKET for the Worker; the lake's bucket."
  value       = module.lake.bucket_name
}

output "table_location" {
  description = "The table's s3:// location (hooklake query --lake)."
  value       = module.lake.table_location
}

output "key_arn" {
  description = "The hooklake KMS key: the lake, the queues, the logs and the alerts."
  value       = module.key.key_arn
}

output "edge_user_name" {
  description = "The Worker's IAM user: scripts/rotate-worker-key.py gives it its access key (never in Terraform's state)."
  value       = module.edge_principal.user_name
}

output "github_secret_arn" {
  description = "Put the GitHub token or App credentials here (docs/operations.md)."
  value       = module.ingest.github_secret_arn
}

output "ingest_function_name" {
  description = "The ingest function (SQS batches to Parquet)."
  value       = module.ingest.function_name
}

output "athena_workgroup" {
  description = "Athena workgroup with the named queries."
  value       = module.catalog.workgroup
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms publish to."
  value       = module.alarms.topic_arn
}

output "compaction_function_name" {
  description = "The scheduled compaction function (invoke it by hand: docs/operations.md)."
  value       = module.compaction.function_name
}

output "redelivery_function_name" {
  description = "The scheduled redelivery function."
  value       = module.redelivery.function_name
}

output "dashboard_name" {
  description = "The CloudWatch dashboard of the pipeline (docs/operations.md, \"Metrics, alarms and tracing a delivery\")."
  value       = module.alarms.dashboard_name
}

output "redelivery_secret_arn" {
  description = "Fill it with a token or App credentials that have \"Webhooks: Read and write\" (docs/operations.md, \"Recovery\")."
  value       = module.redelivery.github_secret_arn
}
