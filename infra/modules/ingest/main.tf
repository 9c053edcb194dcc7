# The ingest Lambda: SQS batches in, partitioned Parquet out, each PR enriched
# with its changed files from GitHub.

locals {
  function_name = "${var.name}-ingest"
}

resource "aws_cloudwatch_log_group" "ingest" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# GitHub credentials (a token, or a GitHub App's id, installation id and
# private key) live here, never in the function's environment. Their value is
# set out of band: docs/operations.md, "GitHub credentials".
resource "aws_secretsmanager_secret" "github" {
  #checkov:skip=CKV2_AWS_57:GitHub credentials are rotated at GitHub (App keys, fine-grained tokens); an App's installation tokens already expire hourly.
  name        = "${var.name}/github"
  description = "GitHub token or App credentials hooklake uses to list each merged PR's changed files"
  kms_key_id  = var.kms_key_arn
  tags        = var.tags
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ingest" {
  name                 = local.function_name
  path                 = "/hooklake/"
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  tags                 = var.tags
}

# Least privilege: every statement names its resources; none is "*".
data "aws_iam_policy_document" "ingest" {
  statement {
    sid = "ConsumeDeliveries"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl", # to delay rate-limited messages by their receipt handles
    ]
    resources = [var.queue_arn]
  }

  statement {
    sid       = "WriteTableFiles"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.table_prefix}*"]
  }

  statement {
    sid       = "ReadOversizeDeliveries"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/${var.claim_check_prefix}*"]
  }

  statement {
    sid       = "UseTheHooklakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "ReadGitHubCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.github.arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.ingest.arn}:*"]
  }
}

resource "aws_iam_role_policy" "ingest" {
  name   = local.function_name
  role   = aws_iam_role.ingest.id
  policy = data.aws_iam_policy_document.ingest.json
}

resource "aws_lambda_function" "ingest" {
  #checkov:skip=CKV_AWS_50:X-Ray needs xray:PutTraceSegments on resource "*", which the no-wildcard role forbids; tracing is tracing_mode PassThrough and logs are structured JSON.
  #checkov:skip=CKV_AWS_116:The SQS event source owns retries and the dead-letter queue (redrive policy); a function DLQ applies only to asynchronous invocation.
  #checkov:skip=CKV_AWS_117:The function only calls public AWS and GitHub endpoints; a VPC would add NAT cost and no isolation.
  #checkov:skip=CKV_AWS_272:The zip is built reproducibly by the release workflow and published with its SHA-256; source_code_hash pins it.
  #checkov:skip=CKV_AWS_173:The environment holds no secret (the lake location, a secret's ARN, the log level); AWS's managed key keeps the read-only plan role from needing the customer key, which would make pull-request plans fail or show a perpetual diff.
  #checkov:skip=CKV_AWS_115:No reserved concurrency: reserving fails on new or low-quota accounts (AWS keeps 100 unreserved); the event source's maximum_concurrency caps ingest instead.
  function_name    = local.function_name
  description      = "hooklake: SQS deliveries to partitioned Parquet in S3"
  role             = aws_iam_role.ingest.arn
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  handler          = "bootstrap"
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds

  environment {
    variables = {
      HOOKLAKE_LAKE              = "s3://${var.bucket_name}/${var.table_prefix}"
      HOOKLAKE_GITHUB_SECRET_ARN = aws_secretsmanager_secret.github.arn
      RUST_LOG                   = var.log_level
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.ingest.name
  }

  tracing_config {
    mode = "PassThrough"
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.ingest]
}

resource "aws_lambda_event_source_mapping" "deliveries" {
  event_source_arn                   = var.queue_arn
  function_name                      = aws_lambda_function.ingest.arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  # Only the messages the handler names are retried; the rest are deleted.
  function_response_types = ["ReportBatchItemFailures"]
  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }
}
