output "function_name" {
  description = "Name of the ingest function."
  value       = aws_lambda_function.ingest.function_name
}

output "function_arn" {
  description = "ARN of the ingest function."
  value       = aws_lambda_function.ingest.arn
}

output "role_arn" {
  description = "ARN of the ingest function's role."
  value       = aws_iam_role.ingest.arn
}

output "github_secret_arn" {
  description = "Secrets Manager secret holding the GitHub credentials."
  value       = aws_secretsmanager_secret.github.arn
}
