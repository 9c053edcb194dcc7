output "deliveries_arn" {
  description = "ARN of the delivery queue."
  value       = aws_sqs_queue.deliveries.arn
}

output "deliveries_url" {
  description = "URL of the delivery queue (the Worker's SQS_QUEUE_URL)."
  value       = aws_sqs_queue.deliveries.id
}

output "deliveries_name" {
  description = "Name of the delivery queue."
  value       = aws_sqs_queue.deliveries.name
}

output "dead_letter_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "dead_letter_url" {
  description = "URL of the dead-letter queue (for hooklake dlq)."
  value       = aws_sqs_queue.dead_letter.id
}

output "dead_letter_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.name
}

output "alerts_arn" {
  description = "ARN of the alert queue."
  value       = aws_sqs_queue.alerts.arn
}

output "alerts_url" {
  description = "URL of the alert queue (the Worker's SQS_ALERT_QUEUE_URL)."
  value       = aws_sqs_queue.alerts.id
}

output "alerts_name" {
  description = "Name of the alert queue."
  value       = aws_sqs_queue.alerts.name
}
