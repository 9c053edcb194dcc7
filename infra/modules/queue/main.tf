# The delivery queue, its dead-letter queue, and the alert queue the Worker
# reports rejected requests to. All encrypted with the hooklake key.

resource "aws_sqs_queue" "dead_letter" {
  name                              = "${var.name}-deliveries-dlq"
  message_retention_seconds         = 1209600 # 14 days, SQS's maximum.
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 86400
  tags                              = var.tags
}

resource "aws_sqs_queue" "deliveries" {
  name = "${var.name}-deliveries"
  # AWS's advice for Lambda event sources: at least six times the function's
  # timeout, so a batch in flight is never handed to a second invocation.
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 86400
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = var.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.deliveries.arn]
  })
}

resource "aws_sqs_queue" "alerts" {
  name                              = "${var.name}-alerts"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 86400
  tags                              = var.tags
}

data "aws_iam_policy_document" "tls_only" {
  for_each = {
    deliveries  = aws_sqs_queue.deliveries.arn
    dead_letter = aws_sqs_queue.dead_letter.arn
    alerts      = aws_sqs_queue.alerts.arn
  }
  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]
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

  # The Worker reports rejected requests here. Granted on the queue, not in
  # the Worker's identity policy, which holds nothing but sqs:SendMessage to
  # the delivery queue and s3:PutObject under the claim-check prefix.
  dynamic "statement" {
    for_each = each.key == "alerts" && length(var.alert_senders) > 0 ? [1] : []
    content {
      sid       = "EdgeReportsRejections"
      actions   = ["sqs:SendMessage"]
      resources = [each.value]
      principals {
        type        = "AWS"
        identifiers = var.alert_senders
      }
    }
  }
}

resource "aws_sqs_queue_policy" "tls_only" {
  for_each = {
    deliveries  = aws_sqs_queue.deliveries.id
    dead_letter = aws_sqs_queue.dead_letter.id
    alerts      = aws_sqs_queue.alerts.id
  }
  queue_url = each.value
  policy    = data.aws_iam_policy_document.tls_only[each.key].json
}
