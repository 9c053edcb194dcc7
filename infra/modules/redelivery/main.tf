# Scheduled redelivery: the Lambda binary's `redeliver` handler, run by
# EventBridge every 15 minutes. GitHub never retries a delivery the edge
# answered 5xx or did not answer within 10 s; this asks GitHub to send each
# such merged-pull-request delivery again, once, while GitHub keeps its log
# (3 days). Each hook's watermark and requests live in one S3 object.

locals {
  function_name = "${var.name}-redeliver"
}

# Its own credentials: reading a hook's deliveries and redelivering needs
# "Webhooks: Read and write", which the enrichment credentials must not have.
resource "aws_secretsmanager_secret" "github" {
  #checkov:skip=CKV2_AWS_57:GitHub credentials are rotated at GitHub (App keys, fine-grained tokens); an App's installation tokens already expire hourly.
  name        = "${var.name}/github-webhooks"
  description = "GitHub token or App credentials hooklake uses to read webhook deliveries and redeliver failed ones (Webhooks: Read and write)"
  kms_key_id  = var.kms_key_arn
  tags        = var.tags
}

resource "aws_cloudwatch_log_group" "redeliver" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
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

resource "aws_iam_role" "redeliver" {
  name                 = local.function_name
  path                 = "/hooklake/"
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  tags                 = var.tags
}

# Least privilege: its state objects only (listing them lets a first run see
# "no state yet" instead of AccessDenied), its secret, its logs.
data "aws_iam_policy_document" "redeliver" {
  statement {
    sid       = "ListState"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.state_prefix}*"]
    }
  }

  statement {
    sid       = "ReadAndWriteState"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.state_prefix}*"]
  }

  statement {
    sid       = "UseTheHooklakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "ReadWebhookCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.github.arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.redeliver.arn}:*"]
  }
}

resource "aws_iam_role_policy" "redeliver" {
  name   = local.function_name
  role   = aws_iam_role.redeliver.id
  policy = data.aws_iam_policy_document.redeliver.json
}

resource "aws_lambda_function" "redeliver" {
  #checkov:skip=CKV_AWS_50:X-Ray needs xray:PutTraceSegments on resource "*", which the no-wildcard role forbids; logs are structured JSON.
  #checkov:skip=CKV_AWS_116:A failed run is an invocation error (the redelivery-errors alarm) and the next scheduled run redoes it; a DLQ would only hold the schedule's empty event.
  #checkov:skip=CKV_AWS_117:The function only calls public AWS and GitHub endpoints; a VPC would add NAT cost and no isolation.
  #checkov:skip=CKV_AWS_272:The zip is built reproducibly by the release workflow and published with its SHA-256; source_code_hash pins it.
  #checkov:skip=CKV_AWS_173:The environment holds no secret (hook ids, a state location, a secret's ARN); AWS's managed key keeps the read-only plan role from needing the customer key.
  #checkov:skip=CKV_AWS_115:No reserved concurrency: reserving fails on new or low-quota accounts; one schedule starts it, and a request is noted in the state before it is made, so overlapping runs ask for nothing twice.
  function_name    = local.function_name
  description      = "hooklake: ask GitHub to redeliver the merged pull requests it failed to deliver"
  role             = aws_iam_role.redeliver.arn
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  # The same zip as ingest; the runtime hands the handler name to the
  # binary (_HANDLER), which picks the redelivery job.
  handler       = "redeliver"
  runtime       = "provided.al2023"
  architectures = ["arm64"]
  memory_size   = var.memory_mb
  timeout       = var.timeout_seconds

  environment {
    variables = {
      HOOKLAKE_REDELIVER_HOOKS   = join(",", var.hooks)
      HOOKLAKE_REDELIVER_STATE   = "s3://${var.bucket_name}/${var.state_prefix}"
      HOOKLAKE_GITHUB_SECRET_ARN = aws_secretsmanager_secret.github.arn
      RUST_LOG                   = var.log_level
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.redeliver.name
  }

  tracing_config {
    mode = "PassThrough"
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.redeliver]
}

# A failed run is not retried at once: the alarm reports it, and the next
# scheduled run (15 minutes later) does the work again.
resource "aws_lambda_function_event_invoke_config" "redeliver" {
  function_name          = aws_lambda_function.redeliver.function_name
  maximum_retry_attempts = 0
}

resource "aws_cloudwatch_event_rule" "schedule" {
  name                = local.function_name
  description         = "hooklake: redeliver the merged pull requests GitHub failed to deliver"
  schedule_expression = var.schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  rule = aws_cloudwatch_event_rule.schedule.name
  arn  = aws_lambda_function.redeliver.arn
}

resource "aws_lambda_permission" "schedule" {
  statement_id  = "AllowEventBridge"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.redeliver.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule.arn
}
