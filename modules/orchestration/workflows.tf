resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_284:X-Ray tracing is opt-in (enable_xray, and the role gets its rights then): traces are billed per execution, and execution history and logs already show every run.
  name       = var.name
  role_arn   = aws_iam_role.state_machine.arn
  type       = var.workflow_type
  definition = var.definition

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

# Cascade deletes (off by default): a small state machine of its own, so that the resize workflow's history,
# metrics and alarms stay about resizing, and the delete path can be switched off without touching it.
resource "aws_sfn_state_machine" "cleanup" {
  #checkov:skip=CKV_AWS_284:X-Ray tracing is opt-in (enable_xray, and the role gets its rights then): traces are billed per execution, and execution history and logs already show every run.
  count = var.delete_variants_on_source_delete ? 1 : 0

  name       = "${var.name}-cleanup"
  role_arn   = aws_iam_role.state_machine.arn
  type       = var.workflow_type
  definition = var.cleanup_definition

  lifecycle {
    precondition {
      condition     = var.cleanup_definition != null && var.deleted_event_pattern != null
      error_message = "delete_variants_on_source_delete needs cleanup_definition and deleted_event_pattern (render state_machine/variant_cleanup.json and object_deleted.pattern.json)."
    }
  }

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

# Backfill (off by default): a Distributed Map over the originals bucket's listing that runs the resize Lambda
# per object; the handler skips variants already up to date, so a re-run only does what is missing or stale.
resource "aws_sfn_state_machine" "backfill" {
  #checkov:skip=CKV_AWS_284:X-Ray tracing is opt-in (enable_xray, and the role gets its rights then): traces are billed per execution, and execution history and logs already show every run.
  count = var.enable_backfill ? 1 : 0

  name       = local.backfill_name
  role_arn   = aws_iam_role.backfill[0].arn
  type       = "STANDARD" # Distributed Map parents must be STANDARD; children run EXPRESS
  definition = var.backfill_definition

  lifecycle {
    precondition {
      condition     = var.backfill_definition != null
      error_message = "enable_backfill needs backfill_definition (render state_machine/backfill.json)."
    }
  }

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
