output "user_arn" {
  description = "ARN of the Worker's IAM user."
  value       = aws_iam_user.edge.arn
}

output "user_name" {
  description = "The Worker's IAM user, whose access key scripts/rotate-worker-key.sh manages."
  value       = aws_iam_user.edge.name
}
