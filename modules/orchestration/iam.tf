locals {
  # CloudWatch Logs delivery for Step Functions: these APIs have no resource-level permissions.
  log_delivery_actions = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
  ]
  # X-Ray trace submission has no resource-level permissions either; every role whose state machine traces
  # (tracing_configuration.enabled = var.enable_xray) gets these.
  xray_actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
}

data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  name               = "${var.name}-sfn"
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "state_machine" {
  statement {
    sid       = "InvokeResizeFunction"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.resize_function_arn, "${var.resize_function_arn}:*"]
  }

  statement {
    # CloudWatch Logs delivery for Step Functions has no resource-level permissions (AWS documents "*").
    sid       = "DeliverExecutionLogs"
    actions   = local.log_delivery_actions
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.enable_xray ? [1] : []

    content {
      sid       = "XRayTraces"
      actions   = local.xray_actions
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.enable_events ? [1] : []

    content {
      sid       = "PublishVariantEvents"
      actions   = ["events:PutEvents"]
      resources = ["arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:event-bus/default"]
    }
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "${var.name}-sfn"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "events" {
  name               = "${var.name}-events"
  assume_role_policy = data.aws_iam_policy_document.events_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "events" {
  statement {
    sid       = "StartPipelineExecutions"
    actions   = ["states:StartExecution"]
    resources = local.state_machine_arns
  }
}

resource "aws_iam_role_policy" "events" {
  name   = "${var.name}-events"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.events.json
}

resource "aws_iam_role" "backfill" {
  count = var.enable_backfill ? 1 : 0

  name               = "${var.name}-backfill"
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "backfill" {
  statement {
    sid       = "ListOriginals"
    actions   = ["s3:ListBucket"]
    resources = [coalesce(var.originals_bucket_arn, "arn:${data.aws_partition.current.partition}:s3:::${var.originals_bucket_name}")]
  }

  dynamic "statement" {
    for_each = var.backfill_inventory_bucket == null ? [] : [var.backfill_inventory_bucket]

    content {
      # The report's manifest.json and its CSV data files.
      sid       = "ReadInventoryReports"
      actions   = ["s3:GetObject"]
      resources = ["arn:${data.aws_partition.current.partition}:s3:::${statement.value}/*"]
    }
  }

  statement {
    sid       = "InvokeResizeFunction"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.resize_function_arn, "${var.resize_function_arn}:*"]
  }

  statement {
    # The Distributed Map starts and tracks its child executions on this very state machine.
    sid       = "RunMapChildren"
    actions   = ["states:StartExecution"]
    resources = [local.backfill_arn]
  }

  statement {
    sid       = "TrackMapChildren"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["${local.arn_prefix}:execution:${local.backfill_name}/*"]
  }

  statement {
    # CloudWatch Logs delivery for Step Functions has no resource-level permissions (AWS documents "*").
    sid       = "DeliverExecutionLogs"
    actions   = local.log_delivery_actions
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.enable_xray ? [1] : []

    content {
      sid       = "XRayTraces"
      actions   = local.xray_actions
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "backfill" {
  count = var.enable_backfill ? 1 : 0

  name   = "${var.name}-backfill"
  role   = aws_iam_role.backfill[0].id
  policy = data.aws_iam_policy_document.backfill.json
}
