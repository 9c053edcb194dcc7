output "topic_arn" {
  description = "ARN of the alarm topic; subscribe pagers or chat here."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "The CloudWatch dashboard: deliveries in, rows out, lag, dead letters, enrichment, failures, edge alerts."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
