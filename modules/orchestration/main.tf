locals {
  # EventBridge content filters for the key; an empty prefix matches every key.
  key_filters = length(var.key_suffixes) == 0 ? [{ prefix = var.key_prefix }] : (
    var.key_prefix == ""
    ? [for suffix in var.key_suffixes : { suffix = suffix }]
    : [for suffix in var.key_suffixes : { wildcard = "${replace(var.key_prefix, "*", "\\*")}*${replace(suffix, "*", "\\*")}" }]
  )
  event_pattern = templatefile(var.event_pattern_template_path, {
    originals_bucket = var.originals_bucket_name
    key_filters      = jsonencode(local.key_filters)
  })
  definition = templatefile(var.definition_template_path, {
    resize_function_arn  = var.resize_function_arn
    task_timeout_seconds = var.task_timeout_seconds
  })
  cleanup_definition = var.enable_variant_cleanup ? templatefile(var.cleanup_definition_template_path, {
    resize_function_arn  = var.resize_function_arn
    task_timeout_seconds = var.task_timeout_seconds
  }) : null
  deleted_event_pattern = var.enable_variant_cleanup ? templatefile(var.deleted_event_pattern_template_path, {
    originals_bucket = var.originals_bucket_name
    key_filters      = jsonencode(local.key_filters)
  }) : null
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
  state_machine_arns = concat([aws_sfn_state_machine.this.arn], aws_sfn_state_machine.cleanup[*].arn)
  rule_arns          = concat([aws_cloudwatch_event_rule.object_created.arn], aws_cloudwatch_event_rule.object_deleted[*].arn)
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

resource "aws_cloudwatch_log_group" "executions" {
  #checkov:skip=CKV_AWS_158:Log group KMS encryption follows kms_key_arn; CloudWatch Logs encrypts at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is the operator's choice (log_retention_days, 30 days by default) to keep storage cost low.
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
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
      # X-Ray trace submission has no resource-level permissions.
      sid       = "XRayTraces"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "${var.name}-sfn"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

resource "aws_sfn_state_machine" "this" {
  name       = var.name
  role_arn   = aws_iam_role.state_machine.arn
  type       = var.workflow_type
  definition = local.definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.executions.arn}:*"
    include_execution_data = true
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = var.enable_xray
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.state_machine]
}

resource "aws_cloudwatch_event_rule" "object_created" {
  name          = "${var.name}-object-created"
  description   = "Object Created in ${var.originals_bucket_name} starts ${var.name}"
  event_pattern = local.event_pattern
  tags          = var.tags
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-events-dlq"
  sqs_managed_sse_enabled   = var.kms_key_arn == null
  kms_master_key_id         = var.kms_key_arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

data "aws_iam_policy_document" "dead_letter" {
  statement {
    sid       = "EventBridgeDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = local.rule_arns
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.dead_letter.json
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

resource "aws_cloudwatch_event_target" "state_machine" {
  rule     = aws_cloudwatch_event_rule.object_created.name
  arn      = aws_sfn_state_machine.this.arn
  role_arn = aws_iam_role.events.arn

  # S3 URL-encodes keys in events (as in S3 notifications): the handler decodes them (keyEncoding).
  input_transformer {
    input_paths = {
      bucket    = "$.detail.bucket.name"
      key       = "$.detail.object.key"
      versionId = "$.detail.object.version-id"
      etag      = "$.detail.object.etag"
    }
    input_template = <<-EOT
      {"bucket": <bucket>, "key": <key>, "versionId": <versionId>, "etag": <etag>, "keyEncoding": "url"}
    EOT
  }

  retry_policy {
    maximum_event_age_in_seconds = var.event_max_age_seconds
    maximum_retry_attempts       = var.event_max_retries
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

# Cascade deletes (off by default): a small state machine of its own, so that the resize workflow's history,
# metrics and alarms stay about resizing, and the delete path can be switched off without touching it.
resource "aws_sfn_state_machine" "cleanup" {
  count = var.enable_variant_cleanup ? 1 : 0

  name       = "${var.name}-cleanup"
  role_arn   = aws_iam_role.state_machine.arn
  type       = var.workflow_type
  definition = local.cleanup_definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.executions.arn}:*"
    include_execution_data = true
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = var.enable_xray
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.state_machine]
}

resource "aws_cloudwatch_event_rule" "object_deleted" {
  count = var.enable_variant_cleanup ? 1 : 0

  name          = "${var.name}-object-deleted"
  description   = "Object Deleted in ${var.originals_bucket_name} (a delete marker too) starts ${var.name}-cleanup"
  event_pattern = local.deleted_event_pattern
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "cleanup" {
  count = var.enable_variant_cleanup ? 1 : 0

  rule     = aws_cloudwatch_event_rule.object_deleted[0].name
  arn      = aws_sfn_state_machine.cleanup[0].arn
  role_arn = aws_iam_role.events.arn

  input_transformer {
    input_paths = {
      bucket    = "$.detail.bucket.name"
      key       = "$.detail.object.key"
      versionId = "$.detail.object.version-id"
    }
    input_template = <<-EOT
      {"bucket": <bucket>, "key": <key>, "versionId": <versionId>, "keyEncoding": "url", "action": "delete"}
    EOT
  }

  retry_policy {
    maximum_event_age_in_seconds = var.event_max_age_seconds
    maximum_retry_attempts       = var.event_max_retries
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

# Backfill (off by default): a Distributed Map over the originals bucket's listing that runs the resize Lambda
# per object; the handler skips variants already up to date, so a re-run only does what is missing or stale.
locals {
  backfill_name = "${var.name}-backfill"
  backfill_arn  = "arn:aws:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:stateMachine:${local.backfill_name}"
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
    resources = [coalesce(var.originals_bucket_arn, "arn:aws:s3:::${var.originals_bucket_name}")]
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
    sid     = "TrackMapChildren"
    actions = ["states:DescribeExecution", "states:StopExecution"]
    resources = [
      "arn:aws:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:execution:${local.backfill_name}/*",
    ]
  }

  statement {
    # CloudWatch Logs delivery for Step Functions has no resource-level permissions (AWS documents "*").
    sid       = "DeliverExecutionLogs"
    actions   = local.log_delivery_actions
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "backfill" {
  count = var.enable_backfill ? 1 : 0

  name   = "${var.name}-backfill"
  role   = aws_iam_role.backfill[0].id
  policy = data.aws_iam_policy_document.backfill.json
}

resource "aws_sfn_state_machine" "backfill" {
  count = var.enable_backfill ? 1 : 0

  name     = local.backfill_name
  role_arn = aws_iam_role.backfill[0].arn
  type     = "STANDARD" # Distributed Map parents must be STANDARD; children run EXPRESS
  definition = templatefile(var.backfill_definition_template_path, {
    originals_bucket             = var.originals_bucket_name
    resize_function_arn          = var.resize_function_arn
    task_timeout_seconds         = var.task_timeout_seconds
    max_concurrency              = var.backfill_max_concurrency
    tolerated_failure_percentage = var.backfill_tolerated_failure_percentage
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.executions.arn}:*"
    include_execution_data = true
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = var.enable_xray
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.backfill]
}
