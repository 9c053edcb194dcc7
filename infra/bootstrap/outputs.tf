output "plan_role_arn" {
  description = "Set as the repository variable AWS_PLAN_ROLE_ARN."
  value       = aws_iam_role.plan.arn
}

output "apply_role_arn" {
  description = "Set as the repository variable AWS_APPLY_ROLE_ARN."
  value       = aws_iam_role.apply.arn
}

output "state_key_arn" {
  description = "The state's KMS key: TF_STATE_KMS_KEY_ARN in infra/example/deploy.env and kms_key_id in backend.hcl. Without it the S3 backend asks for AES256 and overrides the bucket's key."
  value       = aws_kms_key.state.arn
}

output "state_bucket" {
  description = "The bucket for infra/example/backend.hcl."
  value       = aws_s3_bucket.state.bucket
}

output "permissions_boundary_arn" {
  description = "TF_VAR_permissions_boundary_arn in infra/example/deploy.env: every role and user hooklake creates carries it."
  value       = aws_iam_policy.boundary.arn
}

output "rotate_role_arn" {
  description = "Set as AWS_ROTATE_ROLE_ARN in infra/example/deploy.env: rotate.yml's role, which may only manage the Worker's access keys."
  value       = aws_iam_role.rotate.arn
}
