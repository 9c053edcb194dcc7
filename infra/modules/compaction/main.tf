# Scheduled lake maintenance: the Lambda binary's `compact` handler, run by
# EventBridge. Daily it compacts the recent partitions and any older one of
# several files (one row per delivery, few large files, rows without their
# changed files looked up again); weekly it sweeps every partition.

locals {
  function_name = "${var.name}-compact"
  schedules = merge(
    { daily = { expression = var.schedule, input = null } },
    var.sweep_schedule == null ? {} : { sweep = { expression = var.sweep_schedule, input = jsonencode({ all = true }) } },
  )
}

resource "aws_cloudwatch_log_group" "compact" {
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

resource "aws_iam_role" "compact" {
  name                 = local.function_name
  path                 = "/hooklake/"
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  tags                 = var.tags
}

# Least privilege: the table's prefix only, and nothing else of the bucket
# (not the claim checks, not Athena's results). The only role that may
# delete table files.
data "aws_iam_policy_document" "compact" {
  statement {
    sid       = "ListTableFiles"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.table_prefix}*"]
    }
  }

  statement {
    sid       = "RewriteTableFiles"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.bucket_arn}/${var.table_prefix}*"]
  }

  statement {
    sid       = "UseTheHooklakeKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "ReadGitHubCredentials"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.github_secret_arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.compact.arn}:*"]
  }
}

resource "aws_iam_role_policy" "compact" {
  name   = local.function_name
  role   = aws_iam_role.compact.id
  policy = data.aws_iam_policy_document.compact.json
}

resource "aws_lambda_function" "compact" {
  #checkov:skip=CKV_AWS_50:X-Ray needs xray:PutTraceSegments on resource "*", which the no-wildcard role forbids; logs are structured JSON.
  #checkov:skip=CKV_AWS_116:A failed run is an invocation error (the compaction-errors alarm) and the next scheduled run redoes it; a DLQ would only hold the schedule's empty event.
  #checkov:skip=CKV_AWS_117:The function only calls public AWS and GitHub endpoints; a VPC would add NAT cost and no isolation.
  #checkov:skip=CKV_AWS_272:The zip is built reproducibly by the release workflow and published with its SHA-256; source_code_hash pins it.
  #checkov:skip=CKV_AWS_173:The environment holds no secret (the lake location, a secret's ARN, the log level); AWS's managed key keeps the read-only plan role from needing the customer key, which would make pull-request plans fail or show a perpetual diff.
  #checkov:skip=CKV_AWS_115:No reserved concurrency: reserving fails on new or low-quota accounts (AWS keeps 100 unreserved); one schedule starts it, and two runs side by side are safe (compaction deletes only files it read).
  function_name    = local.function_name
  description      = "hooklake: scheduled lake compaction and enrichment repair"
  role             = aws_iam_role.compact.arn
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  # The same zip as ingest; the runtime hands the handler name to the
  # binary (_HANDLER), which picks the compaction job.
  handler       = "compact"
  runtime       = "provided.al2023"
  architectures = ["arm64"]
  memory_size   = var.memory_mb
  timeout       = var.timeout_seconds
  # One run at a time: two are safe, but only waste requests.

  environment {
    variables = {
      HOOKLAKE_LAKE                = "s3://${var.bucket_name}/${var.table_prefix}"
      HOOKLAKE_GITHUB_SECRET_ARN   = var.github_secret_arn
      HOOKLAKE_COMPACT_RECENT_DAYS = tostring(var.recent_days)
      HOOKLAKE_COMPACT_TARGET_SIZE = var.target_file_size
      RUST_LOG                     = var.log_level
    }
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.compact.name
  }

  tracing_config {
    mode = "PassThrough"
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.compact]
}

# A failed run is not retried at once: the alarm reports it, and the next
# scheduled run does the work again.
resource "aws_lambda_function_event_invoke_config" "compact" {
  function_name          = aws_lambda_function.compact.function_name
  maximum_retry_attempts = 0
}

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each            = local.schedules
  name                = "${local.function_name}-${each.key}"
  description         = each.key == "daily" ? "hooklake: compact recent partitions and any of several files" : "hooklake: compact and repair every partition"
  schedule_expression = each.value.expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = local.schedules
  rule     = aws_cloudwatch_event_rule.schedule[each.key].name
  arn      = aws_lambda_function.compact.arn
  input    = each.value.input
}

resource "aws_lambda_permission" "schedule" {
  for_each      = local.schedules
  statement_id  = "AllowEventBridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.compact.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
}
