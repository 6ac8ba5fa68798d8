data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed alias/aws/sns (its key policy is
# fixed and does not admit cloudwatch.amazonaws.com), so no notification would ever arrive. The topic gets a
# customer-managed key whose policy admits CloudWatch ("Amazon SNS: Configure AWS KMS permissions for AWS
# services", SNS Developer Guide), unless kms_key_arn names one (which must admit it too: see README).
data "aws_iam_policy_document" "alarm_key" {
  #checkov:skip=CKV_AWS_111:A key policy's Resource "*" is the key itself (AWS KMS key policy documentation).
  #checkov:skip=CKV_AWS_356:A key policy's Resource "*" is the key itself, not every resource.
  #checkov:skip=CKV_AWS_109:The account root administers its own key, the default key policy AWS KMS documents.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_kms_key" "alarms" {
  count = var.create_kms_key ? 1 : 0

  description             = "${var.name}: alarm topic (CloudWatch may publish)"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.alarm_key.json
  tags                    = var.tags
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.create_kms_key ? aws_kms_key.alarms[0].arn : var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarms = {
    executions-failed = {
      namespace   = "AWS/States", metric = "ExecutionsFailed", statistic = "Sum", threshold = 0
      dimensions  = { StateMachineArn = var.state_machine_arn }
      description = "An image-processing execution failed (bad input or a permanent error): see the execution's Error/Cause."
    }
    executions-timed-out = {
      namespace   = "AWS/States", metric = "ExecutionsTimedOut", statistic = "Sum", threshold = 0
      dimensions  = { StateMachineArn = var.state_machine_arn }
      description = "An image-processing execution timed out."
    }
    executions-throttled = {
      namespace   = "AWS/States", metric = "ExecutionThrottled", statistic = "Sum", threshold = 0
      dimensions  = { StateMachineArn = var.state_machine_arn }
      description = "Step Functions throttled executions of the image-processing state machine."
    }
    lambda-errors = {
      namespace   = "AWS/Lambda", metric = "Errors", statistic = "Sum", threshold = 0
      dimensions  = { FunctionName = var.function_name }
      description = "The resize function raised errors (typed rejections count too: see the ImagesRejected metric)."
    }
    lambda-throttles = {
      namespace   = "AWS/Lambda", metric = "Throttles", statistic = "Sum", threshold = 0
      dimensions  = { FunctionName = var.function_name }
      description = "The resize function was throttled (retried by the state machine, but capacity is short)."
    }
    lambda-duration-near-timeout = {
      namespace   = "AWS/Lambda", metric = "Duration", statistic = "Maximum", threshold = var.function_timeout_seconds * 1000 * 0.8
      dimensions  = { FunctionName = var.function_name }
      description = "A resize took more than 80% of the function's timeout: raise memory or lower MAX_SOURCE_PIXELS."
    }
    unexpected-errors = {
      # The function's own EMF metric (POWERTOOLS_METRICS_NAMESPACE and service in modules/compute).
      namespace   = "ImageResizer", metric = "UnexpectedErrors", statistic = "Sum", threshold = 0
      dimensions  = { service = "image-resizer" }
      description = "The function failed with an error none of its typed errors names: a bug. Its log line holds the traceback."
    }
    events-failed-invocations = {
      namespace   = "AWS/Events", metric = "FailedInvocations", statistic = "Sum", threshold = 0
      dimensions  = { RuleName = var.event_rule_name }
      description = "EventBridge could not start an execution for an upload (events go to the DLQ after retries)."
    }
    events-dead-letters = {
      namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", statistic = "Maximum", threshold = 0
      dimensions  = { QueueName = var.dead_letter_queue_name }
      description = "Uploads whose event could not start an execution wait in the dead-letter queue: re-run them via POST /start."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  dimensions          = each.value.dimensions
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title = "Executions", region = data.aws_region.current.region, stat = "Sum", period = 300
          metrics = [for metric in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"] :
          ["AWS/States", metric, "StateMachineArn", var.state_machine_arn]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title = "Resize function", region = data.aws_region.current.region, period = 300
          metrics = [
            ["AWS/Lambda", "Invocations", "FunctionName", var.function_name, { stat = "Sum" }],
            ["AWS/Lambda", "Errors", "FunctionName", var.function_name, { stat = "Sum" }],
            ["AWS/Lambda", "Throttles", "FunctionName", var.function_name, { stat = "Sum" }],
            ["AWS/Lambda", "Duration", "FunctionName", var.function_name, { stat = "p95", yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title = "Images (EMF metrics from the handler)", region = data.aws_region.current.region, stat = "Sum", period = 300
          metrics = [
            ["ImageResizer", "ImagesResized", "service", "image-resizer"],
            ["ImageResizer", "ImagesSkipped", "service", "image-resizer"],
          ]
        }
      },
      {
        type = "log", x = 12, y = 6, width = 12, height = 6
        properties = {
          title = "Rejected images", region = data.aws_region.current.region
          query = "SOURCE '/aws/lambda/${var.function_name}' | filter message = 'rejected' | fields @timestamp, key, error_type, error | sort @timestamp desc | limit 20"
          view  = "table"
        }
      },
      {
        # The function's own estimate per invocation (image_resizer.aws.pricing: Lambda GB-seconds and request,
        # S3 requests, the workflow's transitions or Express duration), summed and divided by invocations.
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title = "Estimated cost per 1,000 images (USD)", region = data.aws_region.current.region, period = 3600
          metrics = [
            [{ expression = "m1 / m2 / 1000", label = "USD per 1,000 images", id = "e1" }],
            ["ImageResizer", "EstimatedCostMicroUSD", "service", "image-resizer", { id = "m1", stat = "Sum", visible = false }],
            ["AWS/Lambda", "Invocations", "FunctionName", var.function_name, { id = "m2", stat = "Sum", visible = false }],
          ]
        }
      },
      {
        type = "log", x = 12, y = 12, width = 12, height = 6
        properties = {
          title = "Slowest inputs", region = data.aws_region.current.region
          query = "SOURCE '/aws/lambda/${var.function_name}' | filter message = 'resized' | fields @timestamp, key, elapsed_ms | sort elapsed_ms desc | limit 20"
          view  = "table"
        }
      },
    ]
  })
}
