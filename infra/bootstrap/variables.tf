variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "state_bucket_name" {
  description = "Globally unique name for the Terraform state bucket."
  type        = string
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows deploy hooklake."
  type        = string
}

variable "create_github_oidc_provider" {
  description = "Create GitHub's OIDC provider (token.actions.githubusercontent.com). IAM allows one per account: false looks up the one the account already has."
  type        = bool
  default     = true
}
