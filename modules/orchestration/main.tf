locals {
  state_machine_arns = concat([aws_sfn_state_machine.this.arn], aws_sfn_state_machine.cleanup[*].arn)
  rule_arns          = concat([aws_cloudwatch_event_rule.object_created.arn], aws_cloudwatch_event_rule.object_deleted[*].arn)

  backfill_name = "${var.name}-backfill"
  arn_prefix    = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"
  backfill_arn  = "${local.arn_prefix}:stateMachine:${local.backfill_name}"
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

resource "aws_cloudwatch_log_group" "executions" {
  #checkov:skip=CKV_AWS_158:Log group KMS encryption follows kms_key_arn; CloudWatch Logs encrypts at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is the operator's choice (log_retention_days, 30 days by default) to keep storage cost low.
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}
