# The lake bucket: Parquet under the table prefix, claim-check objects from the
# Worker, and Athena's query results, each with its own lifecycle.

locals {
  table_prefix        = trim(var.table_prefix, "/")
  claim_check_prefix  = "claim-check/"
  athena_results_path = "athena-results/"
}

resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV2_AWS_62:Nothing consumes the bucket's events; ingest is driven by SQS, not by S3 notifications.
  #checkov:skip=CKV_AWS_18:Use CloudTrail S3 data events for an audit trail; server access logs would need a second bucket that itself fails this check.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice that doubles storage cost; versioning and KMS protect the lake in-region. Add aws_s3_bucket_replication_configuration to opt in.
  bucket = var.bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  bucket = aws_s3_bucket.lake.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket                  = aws_s3_bucket.lake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # One KMS call per bucket key, not per object: KMS cost stays flat.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "lake" {
  bucket = aws_s3_bucket.lake.id
  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "table-to-colder-storage"
    status = "Enabled"
    filter {
      prefix = "${local.table_prefix}/"
    }
    transition {
      days          = var.cold_after_days
      storage_class = var.cold_storage_class
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
  }

  rule {
    id     = "claim-check-expiry"
    status = "Enabled"
    filter {
      prefix = local.claim_check_prefix
    }
    # The raw payload is kept in the row; the claim-check object only has to
    # outlive the queue's retention and the DLQ's.
    expiration {
      days = var.claim_check_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  rule {
    id     = "athena-results-expiry"
    status = "Enabled"
    filter {
      prefix = local.athena_results_path
    }
    expiration {
      days = var.athena_results_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }
}

data "aws_iam_policy_document" "lake" {
  statement {
    sid     = "DenyPlainHttp"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.lake.arn,
      "${aws_s3_bucket.lake.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOldTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.lake.arn, "${aws_s3_bucket.lake.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_policy" "lake" {
  bucket = aws_s3_bucket.lake.id
  policy = data.aws_iam_policy_document.lake.json
  # The public access block must exist first, or the policy races it.
  depends_on = [aws_s3_bucket_public_access_block.lake]
}
