output "function_name" {
  description = "Name of the compaction function."
  value       = aws_lambda_function.compact.function_name
}

output "function_arn" {
  description = "ARN of the compaction function."
  value       = aws_lambda_function.compact.arn
}

output "role_arn" {
  description = "ARN of the compaction function's role."
  value       = aws_iam_role.compact.arn
}
