output "user_arn" {
  description = "ARN of the Worker's IAM user."
  value       = aws_iam_user.edge.arn
}

output "access_key_id" {
  description = "The Worker's AWS_ACCESS_KEY_ID."
  value       = aws_iam_access_key.edge.id
}

output "secret_access_key" {
  description = "The Worker's AWS_SECRET_ACCESS_KEY."
  value       = aws_iam_access_key.edge.secret
  sensitive   = true
}
