# One customer-managed key encrypts the lake, the queues, the Lambda's
# environment, its logs and the alert topic. The key policy delegates to IAM
# (so roles get access through their own policies) and lets AWS services that
# act on hooklake's behalf use it; the Worker's principal may only encrypt
# through S3 and SQS, never call KMS directly.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  region       = var.region
}

data "aws_iam_policy_document" "key" {
  #checkov:skip=CKV_AWS_111:This is a key policy: its resource "*" means this one key, not every resource.
  #checkov:skip=CKV_AWS_356:This is a key policy: its resource "*" means this one key, not every resource.
  #checkov:skip=CKV_AWS_109:This is a key policy: its resource "*" means this one key; administration is delegated to the account's IAM.
  statement {
    sid       = "AccountAdministersTheKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"] # In a key policy "*" means this key.
    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncryptsHooklakeLogGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${local.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/${var.name}*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToTheEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    # Only this account's alarms (the confused-deputy guard).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  dynamic "statement" {
    for_each = length(var.encrypt_via_service_principals) > 0 ? [1] : []
    content {
      sid       = "EdgeEncryptsOnlyThroughS3AndSqs"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = var.encrypt_via_service_principals
      }
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com", "sqs.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "hooklake ${var.name}: lake, queues, logs and alerts"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
