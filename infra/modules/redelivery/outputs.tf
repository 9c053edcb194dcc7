output "function_name" {
  description = "Name of the redelivery function."
  value       = aws_lambda_function.redeliver.function_name
}

output "github_secret_arn" {
  description = "Secrets Manager secret to fill with credentials that may read and redeliver the hooks' deliveries."
  value       = aws_secretsmanager_secret.github.arn
}

output "role_arn" {
  description = "ARN of the redelivery function's role."
  value       = aws_iam_role.redeliver.arn
}
