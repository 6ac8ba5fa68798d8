resource "aws_cloudwatch_event_rule" "object_created" {
  name          = "${var.name}-object-created"
  description   = "Object Created in ${var.originals_bucket_name} starts ${var.name}"
  event_pattern = var.event_pattern
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

resource "aws_cloudwatch_event_rule" "object_deleted" {
  count = var.delete_variants_on_source_delete ? 1 : 0

  name          = "${var.name}-object-deleted"
  description   = "Object Deleted in ${var.originals_bucket_name} (a delete marker too) starts ${var.name}-cleanup"
  event_pattern = var.deleted_event_pattern
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "cleanup" {
  count = var.delete_variants_on_source_delete ? 1 : 0

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
      {"bucket": <bucket>, "key": <key>, "versionId": <versionId>, "keyEncoding": "url"}
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
