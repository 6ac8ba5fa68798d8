output "state_machine_arn" {
  description = "ARN of the image-processing state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_name" {
  description = "Name of the image-processing state machine."
  value       = aws_sfn_state_machine.this.name
}

output "cleanup_state_machine_arn" {
  description = "ARN of the cleanup state machine (null unless delete_variants_on_source_delete)."
  value       = one(aws_sfn_state_machine.cleanup[*].arn)
}

output "backfill_state_machine_arn" {
  description = "ARN of the backfill state machine (null unless enable_backfill)."
  value       = one(aws_sfn_state_machine.backfill[*].arn)
}

output "log_group_name" {
  description = "CloudWatch log group of the state machine's executions."
  value       = aws_cloudwatch_log_group.executions.name
}

output "event_rule_name" {
  description = "Name of the EventBridge rule that starts executions."
  value       = aws_cloudwatch_event_rule.object_created.name
}

output "dead_letter_queue_name" {
  description = "SQS queue holding events that EventBridge could not deliver."
  value       = aws_sqs_queue.dead_letter.name
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "rendered_event_pattern" {
  description = "The EventBridge pattern as deployed."
  value       = aws_cloudwatch_event_rule.object_created.event_pattern
}
