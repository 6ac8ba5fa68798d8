locals {
  start_url = var.enable_api ? module.api[0].start_url : null
  originals = module.storage.originals_bucket_name
  resized   = module.storage.resized_bucket_name
}

output "originals_bucket" {
  description = "Bucket to upload originals to."
  value       = local.originals
}

output "resized_bucket" {
  description = "Bucket holding the resized variants."
  value       = local.resized
}

output "api_start_url" {
  description = "Full URL of POST /start (null when enable_api is false)."
  value       = local.start_url
}

output "state_machine_arn" {
  description = "ARN of the image-processing state machine."
  value       = module.orchestration.state_machine_arn
}

output "cleanup_state_machine_arn" {
  description = "ARN of the cascade-delete state machine (null unless delete_variants_on_source_delete)."
  value       = module.orchestration.cleanup_state_machine_arn
}

output "backfill_state_machine_arn" {
  description = "ARN of the backfill state machine (null unless enable_backfill)."
  value       = module.orchestration.backfill_state_machine_arn
}

output "function_name" {
  description = "Name of the resize Lambda function."
  value       = module.compute.function_name
}

output "log_groups" {
  description = "CloudWatch log groups: function, state machine, API access logs."
  value = {
    function      = module.compute.log_group_name
    state_machine = module.orchestration.log_group_name
    api           = var.enable_api ? module.api[0].access_log_group_name : null
  }
}

output "dead_letter_queue" {
  description = "SQS queue of upload events that could not start an execution."
  value       = module.orchestration.dead_letter_queue_name
}

# Each is one string, so `terraform output -raw commands` prints it exactly as it is to be pasted (a map of
# strings would print its values escaped: -d '{\"bucket\": ...}', which the API refuses as not JSON).
output "commands" {
  description = "Ready-to-paste bash commands for the verification steps: terraform output -raw commands"
  value = join("\n", compact([
    "aws s3 cp ./image.jpg s3://${local.originals}/image.jpg",
    "aws s3 ls s3://${local.resized}/",
    "aws s3 cp s3://${local.resized}/image.jpg ./image-resized.jpg",
    "aws stepfunctions list-executions --state-machine-arn ${module.orchestration.state_machine_arn} --max-results 10",
    "aws logs filter-log-events --log-group-name ${module.compute.log_group_name} --max-items 20",
    local.start_url == null ? "" : "curl -sS -X POST '${local.start_url}' -H 'Content-Type: application/json' -d '{\"bucket\": \"${local.originals}\", \"key\": \"image.jpg\"}'",
  ]))
}

output "commands_powershell" {
  description = "The same for PowerShell: terraform output -raw commands_powershell"
  value = join("\n", compact([
    "aws s3 cp .\\image.jpg s3://${local.originals}/image.jpg",
    "aws s3 ls s3://${local.resized}/",
    "aws s3 cp s3://${local.resized}/image.jpg .\\image-resized.jpg",
    local.start_url == null ? "" : "Invoke-WebRequest -Method POST -Uri '${local.start_url}' -ContentType 'application/json' -Body '{\"bucket\": \"${local.originals}\", \"key\": \"image.jpg\"}'",
  ]))
}

output "cdn_domain_name" {
  description = "The CDN's domain name (null unless enable_cdn); the manifests' URLs use it (or the first alias)."
  value       = var.enable_cdn ? module.cdn[0].domain_name : null
}

output "cdn_distribution_id" {
  description = "The CDN's distribution ID, for invalidations (null unless enable_cdn)."
  value       = var.enable_cdn ? module.cdn[0].distribution_id : null
}
