# Alarms on what means data is waiting or lost: the dead-letter queue filling,
# deliveries ageing in the queue, the Worker reporting rejections or failing
# (5xx), the ingest function failing, deliveries arriving while no rows are
# written, GitHub refusing the enrichment credentials, a scheduled
# compaction failing, and (when deployed) the scheduled redelivery failing or
# giving a delivery up. All go to one encrypted SNS topic.
#
# hooklake's own metrics (namespace "hooklake", dimension "source" = the
# function's name) come from the EMF line each invocation logs; their names
# are defined once in schema/src/metrics.rs, and
# tests/tests/infra_terraform.rs checks every name used here against it.

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
    edge-alerts = {
      description = "The Worker reported rejected requests (kind rejection: bad signatures, blocked addresses) or failed to queue deliveries (kind error: a 503 GitHub will not retry by itself). Read the alert queue's messages for the reasons; docs/operations.md, \"Alarms\"."
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
    enrichment-unauthorized = {
      description = "GitHub refused the enrichment credentials: rows are written with changed_files_status = unauthorized until they are fixed (compaction repairs them then). Renew the token or App key in Secrets Manager."
      namespace   = "hooklake"
      metric      = "enriched_rows.unauthorized"
      dimensions  = { source = var.function_name }
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
  redelivery_alarms = var.redelivery_function_name == null ? {} : {
    redelivery-errors = {
      description = "The scheduled redelivery could not read a hook's delivery log (a 404 names the permission to grant), GitHub refused a redelivery, or one was given up. The function's log says which: docs/operations.md, \"Recovery\"."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = var.redelivery_function_name }
      statistic   = "Sum"
      periods     = 1
      threshold   = 0
      notify_ok   = false
    }
    redeliveries-given-up = {
      description = "A delivery was redelivered five times and the edge refused it each time: it is not in the lake. Fix the edge (its 5xx alerts say why), then `hooklake verify --repair` for the pull request."
      namespace   = "hooklake"
      metric      = "redeliveries.given_up"
      dimensions  = { source = var.redelivery_function_name }
      statistic   = "Sum"
      periods     = 1
      threshold   = 0
      notify_ok   = false
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = merge(local.alarms, local.redelivery_alarms)
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

# Deliveries arrive but no rows are written: each of the last
# `stalled_hours` hours had messages sent to the queue and no row written.
resource "aws_cloudwatch_metric_alarm" "rows_stalled" {
  alarm_name          = "${var.name}-rows-stalled"
  alarm_description   = "Deliveries reached the queue for ${var.stalled_hours} hour(s) and no row was written: ingest is stuck (errors, throttling, or a lake it cannot write). docs/operations.md, \"Alarms\"."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = var.stalled_hours
  datapoints_to_alarm = var.stalled_hours
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags

  metric_query {
    id          = "stalled"
    expression  = "IF(arrived > 0 AND FILL(written, 0) == 0, 1, 0)"
    label       = "Deliveries arrived, no rows written"
    return_data = true
  }

  metric_query {
    id = "arrived"
    metric {
      namespace   = "AWS/SQS"
      metric_name = "NumberOfMessagesSent"
      dimensions  = { QueueName = var.queue_name }
      stat        = "Sum"
      period      = 3600
    }
  }

  metric_query {
    id = "written"
    metric {
      namespace   = "hooklake"
      metric_name = "rows_written"
      dimensions  = { source = var.function_name }
      stat        = "Sum"
      period      = 3600
    }
  }
}

locals {
  region = var.region
  # One widget per question: is data arriving, is anything stuck or failing.
  widgets = [
    { title = "Deliveries in (queue)", metrics = [["AWS/SQS", "NumberOfMessagesSent", "QueueName", var.queue_name]] },
    { title = "Rows written", metrics = [["hooklake", "rows_written", "source", var.function_name]] },
    { title = "Lag: oldest delivery (s)", stat = "Maximum", metrics = [
      ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.queue_name],
      ["hooklake", "queue_oldest_age_seconds", "source", var.function_name],
    ] },
    { title = "Dead letters", stat = "Maximum", metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dead_letter_queue_name]] },
    { title = "Rows by changed_files_status", metrics = [
      for status in var.enrichment_statuses : ["hooklake", "enriched_rows.${status}", "source", var.function_name]
    ] },
    { title = "Failures", metrics = [
      ["hooklake", "failures.bad_message", "source", var.function_name],
      ["hooklake", "failures.payload_unavailable", "source", var.function_name],
      ["hooklake", "failures.write", "source", var.function_name],
      ["AWS/Lambda", "Errors", "FunctionName", var.function_name],
    ] },
    { title = "Edge alerts (rejections, 5xx)", metrics = [["AWS/SQS", "NumberOfMessagesSent", "QueueName", var.alert_queue_name]] },
    { title = "GitHub rate limit remaining", stat = "Minimum", metrics = [["hooklake", "github_rate_limit_remaining", "source", var.function_name]] },
    { title = "Compaction", metrics = [
      ["hooklake", "partitions_compacted", "source", var.compaction_function_name],
      ["hooklake", "rows_repaired", "source", var.compaction_function_name],
      ["hooklake", "failures.compaction", "source", var.compaction_function_name],
    ] },
  ]
}


resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      for i, w in local.widgets : {
        type   = "metric"
        x      = (i % 3) * 8
        y      = floor(i / 3) * 6
        width  = 8
        height = 6
        properties = {
          title   = w.title
          region  = local.region
          view    = "timeSeries"
          stat    = lookup(w, "stat", "Sum")
          period  = 300
          metrics = w.metrics
        }
      }
    ]
  })
}
