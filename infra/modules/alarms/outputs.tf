output "topic_arn" {
  description = "ARN of the alarm topic; subscribe pagers or chat here."
  value       = aws_sns_topic.alarms.arn
}
