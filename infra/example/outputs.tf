# Everything the Worker needs; the deploy workflow (.github/workflows/deploy.yml)
# pipes these into `wrangler secret put` and `wrangler deploy --var`.

output "queue_url" {
  description = "SQS_QUEUE_URL for the Worker; --queue-url for hooklake ingest."
  value       = module.pipeline.queue_url
}

output "dead_letter_queue_url" {
  description = "The dead-letter queue, for hooklake dlq dump / redrive."
  value       = module.pipeline.dead_letter_queue_url
}

output "alert_queue_url" {
  description = "SQS_ALERT_QUEUE_URL for the Worker."
  value       = module.pipeline.alert_queue_url
}

output "worker_url" {
  description = "The Worker's public URL, where GitHub's hooks post (HOOKLAKE_WEBHOOK_URL for rotate-secret)."
  value       = var.worker_url
}

output "region" {
  description = "AWS_REGION for the Worker."
  value       = var.region
}

output "lake_bucket" {
  description = "CLAIM_CHECK_BUCKET for the Worker; the lake's bucket."
  value       = module.pipeline.lake_bucket
}

output "table_location" {
  description = "The table's s3:// location (hooklake query --lake)."
  value       = module.pipeline.table_location
}

output "edge_user_name" {
  description = "The Worker's IAM user: scripts/rotate-worker-key.py gives it its access key (never in Terraform's state)."
  value       = module.pipeline.edge_user_name
}

output "webhook_hooks" {
  description = "Every hook this deployment created (repo:OWNER/NAME:ID, org:ORG:ID): `hooklake rotate-secret --hook` for each."
  value       = local.hooks
}

output "github_secret_arn" {
  description = "Put the GitHub token or App credentials here (docs/operations.md)."
  value       = module.pipeline.github_secret_arn
}

output "athena_workgroup" {
  description = "Athena workgroup with the named queries."
  value       = module.pipeline.athena_workgroup
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms publish to."
  value       = module.pipeline.alarm_topic_arn
}

output "compaction_function_name" {
  description = "The scheduled compaction function (invoke it by hand: docs/operations.md)."
  value       = module.pipeline.compaction_function_name
}

output "dashboard_name" {
  description = "The CloudWatch dashboard of the pipeline (docs/operations.md, \"Metrics, alarms and tracing a delivery\")."
  value       = module.pipeline.dashboard_name
}

output "redelivery_secret_arn" {
  description = "Fill it with a token or App credentials that have \"Webhooks: Read and write\" (docs/operations.md, \"Recovery\")."
  value       = module.pipeline.redelivery_secret_arn
}
