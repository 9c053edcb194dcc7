# Alarms on what means data is waiting or lost: the dead-letter queue filling,
# deliveries ageing in the queue, the Worker reporting rejections, the
# ingest function failing, and a scheduled compaction failing. All go to one
# encrypted SNS topic.

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  alarms = {
    dead-letters = {
      description = "Deliveries reached the dead-letter queue. Inspect with `hooklake dlq dump`, fix, then redrive (docs/operations.md)."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.dead_letter_queue_name }
      statistic   = "Maximum"
      periods     = 1
      threshold   = 0
      notify_ok   = true
    }
    oldest-delivery = {
      description = "A delivery has waited longer than ${var.max_delivery_age_seconds}s for ingest: the function is failing, throttled or rate-limited by GitHub."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = var.queue_name }
      statistic   = "Maximum"
      periods     = 2
      threshold   = var.max_delivery_age_seconds
      notify_ok   = true
    }
    edge-rejections = {
      description = "The Worker reported rejected requests (bad signatures, blocked addresses, misconfiguration). Read the alert queue's messages for the reasons."
      namespace   = "AWS/SQS"
      metric      = "NumberOfMessagesSent"
      dimensions  = { QueueName = var.alert_queue_name }
      statistic   = "Sum"
      periods     = 1
      threshold   = 0
      notify_ok   = false
    }
    ingest-errors = {
      description = "The ingest function failed whole invocations (per-message failures retry on their own and end in the dead-letter queue)."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = var.function_name }
      statistic   = "Sum"
      periods     = 1
      threshold   = 0
      notify_ok   = true
    }
    compaction-errors = {
      description = "A scheduled compaction met a file it cannot read or a partition it cannot rewrite (nothing of those was deleted). The function's log names them: docs/operations.md, \"Lake maintenance\"."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = var.compaction_function_name }
      statistic   = "Sum"
      periods     = 1
      threshold   = 0
      notify_ok   = false
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = local.alarms
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = each.value.periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = each.value.notify_ok ? [aws_sns_topic.alarms.arn] : []
  tags                = var.tags
}
