# Run once, by hand, with administrator credentials (docs/deploy.md, step 1):
# the Terraform state bucket, GitHub's OIDC provider, and the roles the
# workflows assume. No long-lived AWS key is ever stored in GitHub.
#
# - plan role: assumable from pull requests' plan job; read-only.
# - apply role: assumable only by deploy.yml's job in the `production`
#   environment, running the workflow file as it is on main.
# - rotate role: likewise for rotate.yml; it may only manage the Worker's
#   access keys.
#
# "As it is on main" needs GitHub's OIDC subject to carry the workflow's
# ref: infra/bootstrap/github sets the repository's subject template to
# `repo`, `context`, `job_workflow_ref` (apply it first). A pull request
# that edits deploy.yml, or a run of it from any other branch, then has a
# subject no role trusts.

terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  repo      = "repo:${var.github_repository}"
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:State is recoverable from versioning in-region; cross-region replication doubles a bucket for a few kilobytes.
  #checkov:skip=CKV_AWS_18:Access to the state bucket is recorded by CloudTrail; server access logs would need yet another bucket.
  #checkov:skip=CKV2_AWS_62:Nothing consumes events from the state bucket.
  bucket = var.state_bucket_name
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_kms_key" "state" {
  description             = "hooklake Terraform state"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersTheKeyThroughIam"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyPlainHttp"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.state]
}

# IAM allows one provider per URL per account: an account that already uses
# GitHub Actions has it, and creating a second fails. Then set
# create_github_oidc_provider = false and the existing one is looked up.
resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_github_oidc_provider ? 1 : 0
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1
  url   = "https://token.actions.githubusercontent.com"
}

locals {
  github_oidc_provider_arn = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
}

# Who may assume each role, as GitHub's OIDC subject under the template
# repo, context, job_workflow_ref ("repo:OWNER/NAME:CONTEXT:job_workflow_ref:
# OWNER/NAME/PATH@REF"). Each names the one workflow file and, for the
# roles that write, the production environment and main.
locals {
  workflows = "${var.github_repository}/.github/workflows"
  assume_subjects = {
    plan = {
      test   = "StringLike"
      values = ["${local.repo}:pull_request:job_workflow_ref:${local.workflows}/deploy.yml@refs/pull/*"]
    }
    apply = {
      test   = "StringEquals"
      values = ["${local.repo}:environment:production:job_workflow_ref:${local.workflows}/deploy.yml@refs/heads/main"]
    }
    rotate = {
      test   = "StringEquals"
      values = ["${local.repo}:environment:production:job_workflow_ref:${local.workflows}/rotate.yml@refs/heads/main"]
    }
  }
}

data "aws_iam_policy_document" "assume" {
  for_each = local.assume_subjects
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = each.value.test
      variable = "token.actions.githubusercontent.com:sub"
      values   = each.value.values
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "hooklake-terraform-plan"
  assume_role_policy   = data.aws_iam_policy_document.assume["plan"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

# ReadOnlyAccess reads a lot; never a secret's value. The plan role runs
# pull requests' own Terraform, so it must not be able to fetch what
# hooklake's secrets hold (GitHub credentials, anything in SSM SecureString).
data "aws_iam_policy_document" "plan_no_secrets" {
  statement {
    sid    = "NoSecretValues"
    effect = "Deny"
    actions = [
      "secretsmanager:GetSecretValue",
      "secretsmanager:BatchGetSecretValue",
      "ssm:GetParameter",
      "ssm:GetParameters",
      "ssm:GetParametersByPath",
      "ssm:GetParameterHistory",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "plan_no_secrets" {
  name   = "hooklake-no-secret-values"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan_no_secrets.json
}

# Reads a plan of hooklake makes that ReadOnlyAccess does not grant: the
# provider refreshes a Glue table's partition indexes (the deploy rehearsal,
# tests/deploy, found it).
data "aws_iam_policy_document" "plan_reads" {
  #checkov:skip=CKV_AWS_356:Glue metadata reads take no narrower resource than the catalog's tables, all of which a plan refreshes.
  statement {
    sid       = "ReadsReadOnlyAccessLacks"
    actions   = ["glue:GetPartitionIndexes"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "plan_reads" {
  name   = "hooklake-plan-reads"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan_reads.json
}

resource "aws_iam_role" "apply" {
  name                 = "hooklake-terraform-apply"
  assume_role_policy   = data.aws_iam_policy_document.assume["apply"].json
  max_session_duration = 3600
}

# Everything but IAM (PowerUserAccess excludes it), which is limited to
# hooklake's own names and to identities under the boundary below.
resource "aws_iam_role_policy_attachment" "apply_power_user" {
  role       = aws_iam_role.apply.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/PowerUserAccess"
}

# The most any role or user the apply role creates may ever do, whatever
# policies are attached to it: what hooklake's functions and the Worker use,
# and no IAM at all. Without it, the apply role could create a role under
# /hooklake/, attach AdministratorAccess and assume it.
data "aws_iam_policy_document" "boundary" {
  #checkov:skip=CKV_AWS_111:A permissions boundary is a ceiling, not a grant: each role's own policy names its resources, and the boundary only removes everything else (IAM above all).
  #checkov:skip=CKV_AWS_356:A permissions boundary is a ceiling, not a grant: each role's own policy names its resources.
  #checkov:skip=CKV_AWS_108:A permissions boundary is a ceiling, not a grant: what a role may read is named in its own policy.
  statement {
    sid = "HooklakeServicesOnly"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:ListBucket",
      "sqs:SendMessage",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "secretsmanager:GetSecretValue",
      "ssm:GetParameter",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "hooklake-boundary"
  path        = "/hooklake/"
  description = "Permissions boundary of every role and user hooklake's apply role creates"
  policy      = data.aws_iam_policy_document.boundary.json
}

locals {
  hooklake_identities = [
    "arn:${local.partition}:iam::${local.account}:role/hooklake/*",
    "arn:${local.partition}:iam::${local.account}:user/hooklake/*",
  ]
}

data "aws_iam_policy_document" "apply_iam" {
  # A role or user is created only with the boundary.
  statement {
    sid       = "CreateOnlyWithTheBoundary"
    actions   = ["iam:CreateRole", "iam:CreateUser", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"]
    resources = local.hooklake_identities
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary.arn]
    }
  }

  statement {
    sid = "ManageHooklakeIdentities"
    actions = [
      "iam:GetRole",
      "iam:GetUser",
      "iam:GetRolePolicy",
      "iam:GetUserPolicy",
      "iam:ListRolePolicies",
      "iam:ListUserPolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListAttachedUserPolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRoleTags",
      "iam:ListUserTags",
      "iam:ListAccessKeys",
      "iam:ListGroupsForUser",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:TagUser",
      "iam:UntagUser",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
      "iam:UpdateAssumeRolePolicy",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:PutUserPolicy",
      "iam:DeleteUserPolicy",
      "iam:AttachRolePolicy",
      "iam:DetachRolePolicy",
      "iam:DeleteRole",
      "iam:DeleteUser",
      "iam:CreateAccessKey",
      "iam:UpdateAccessKey",
      "iam:DeleteAccessKey",
      "iam:PassRole",
    ]
    resources = local.hooklake_identities
  }

  # The boundary stays: never removed, never swapped, never edited.
  statement {
    sid       = "KeepTheBoundary"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
    resources = ["*"]
  }

  statement {
    sid       = "NoOtherBoundary"
    effect    = "Deny"
    actions   = ["iam:CreateRole", "iam:CreateUser", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"]
    resources = ["*"]
    condition {
      test     = "StringNotEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary.arn]
    }
  }

  statement {
    sid       = "TheBoundaryIsFixed"
    effect    = "Deny"
    actions   = ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"]
    resources = [aws_iam_policy.boundary.arn]
  }
}

resource "aws_iam_role_policy" "apply_iam" {
  name   = "hooklake-identities"
  role   = aws_iam_role.apply.id
  policy = data.aws_iam_policy_document.apply_iam.json
}

data "aws_iam_policy_document" "state_write" {
  statement {
    sid       = "ReadWriteState"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/hooklake/*"]
  }
  statement {
    sid       = "ListState"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }
}

resource "aws_iam_role_policy" "apply_state" {
  name   = "hooklake-state"
  role   = aws_iam_role.apply.id
  policy = data.aws_iam_policy_document.state_write.json
}

data "aws_iam_policy_document" "state_read" {
  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/hooklake/*"]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.state.arn]
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "hooklake-state"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.state_read.json
}

# rotate.yml's role: the Worker's access keys and a read of the state (for
# the user's name), nothing else. Rotation never needs the apply role.
resource "aws_iam_role" "rotate" {
  name                 = "hooklake-rotate-worker-key"
  assume_role_policy   = data.aws_iam_policy_document.assume["rotate"].json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "rotate" {
  statement {
    sid = "TheWorkersAccessKeys"
    actions = [
      "iam:ListAccessKeys",
      "iam:CreateAccessKey",
      "iam:DeleteAccessKey",
      "iam:GetAccessKeyLastUsed",
    ]
    resources = ["arn:${local.partition}:iam::${local.account}:user/hooklake/*"]
  }
}

resource "aws_iam_role_policy" "rotate" {
  name   = "hooklake-worker-keys"
  role   = aws_iam_role.rotate.id
  policy = data.aws_iam_policy_document.rotate.json
}

resource "aws_iam_role_policy" "rotate_state" {
  name   = "hooklake-state"
  role   = aws_iam_role.rotate.id
  policy = data.aws_iam_policy_document.state_read.json
}
