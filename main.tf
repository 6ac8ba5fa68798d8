locals {
  artifacts_dir = coalesce(var.artifacts_dir, "${path.root}/dist")
  variants = { for name, variant in var.variants : name => {
    width      = variant.width
    height     = variant.height
    fit        = variant.fit
    format     = variant.format
    quality    = variant.quality
    colorspace = variant.colorspace
    key        = variant.key
  } }
}

module "storage" {
  source = "./modules/storage"

  originals_bucket_name = var.originals_bucket_name
  resized_bucket_name   = var.resized_bucket_name
  kms_key_arn           = var.kms_key_arn
  force_destroy         = var.force_destroy
  tags                  = var.tags
}

module "compute" {
  source = "./modules/compute"

  function_name          = var.name
  function_zip_path      = "${local.artifacts_dir}/${var.architecture}/function.zip"
  layer_zip_path         = "${local.artifacts_dir}/${var.architecture}/layer.zip"
  runtime                = var.runtime
  architecture           = var.architecture
  memory_size            = var.memory_size
  timeout                = var.timeout
  reserved_concurrency   = var.reserved_concurrency
  allow_variant_deletion = var.delete_variants_on_source_delete
  source_bucket_arn      = module.storage.originals_bucket_arn
  resized_bucket_arn     = module.storage.resized_bucket_arn
  kms_key_arn            = var.kms_key_arn
  log_retention_days     = var.log_retention_days
  enable_xray            = var.enable_xray
  tags                   = var.tags

  environment = {
    SOURCE_BUCKET     = module.storage.originals_bucket_name
    RESIZED_BUCKET    = module.storage.resized_bucket_name
    VARIANTS          = jsonencode(local.variants)
    MAX_SOURCE_PIXELS = tostring(var.max_source_pixels)
    MAX_SOURCE_BYTES  = tostring(var.max_source_bytes)
    CACHE_CONTROL     = var.cache_control
  }
}

module "orchestration" {
  source = "./modules/orchestration"

  name                                = var.name
  definition_template_path            = "${path.root}/state_machine/image_processing.json"
  event_pattern_template_path         = "${path.root}/state_machine/object_created.pattern.json"
  enable_variant_cleanup              = var.delete_variants_on_source_delete
  cleanup_definition_template_path    = "${path.root}/state_machine/variant_cleanup.json"
  deleted_event_pattern_template_path = "${path.root}/state_machine/object_deleted.pattern.json"
  enable_backfill                     = var.enable_backfill
  backfill_definition_template_path   = "${path.root}/state_machine/backfill.json"
  backfill_max_concurrency            = var.backfill_max_concurrency
  originals_bucket_arn                = module.storage.originals_bucket_arn
  workflow_type                       = var.workflow_type
  resize_function_arn                 = module.compute.function_arn
  task_timeout_seconds                = var.timeout + 10
  originals_bucket_name               = module.storage.originals_bucket_name
  key_prefix                          = var.key_prefix
  key_suffixes                        = var.key_suffixes
  log_retention_days                  = var.log_retention_days
  enable_xray                         = var.enable_xray
  kms_key_arn                         = var.kms_key_arn
  tags                                = var.tags
}

module "api" {
  source = "./modules/api"
  count  = var.enable_api ? 1 : 0

  name                   = var.name
  state_machine_arn      = module.orchestration.state_machine_arn
  authorization_type     = var.api_authorization_type
  throttling_burst_limit = var.api_throttling_burst_limit
  throttling_rate_limit  = var.api_throttling_rate_limit
  log_retention_days     = var.log_retention_days
  kms_key_arn            = var.kms_key_arn
  tags                   = var.tags
}

module "monitoring" {
  source = "./modules/monitoring"

  name                     = var.name
  state_machine_arn        = module.orchestration.state_machine_arn
  function_name            = module.compute.function_name
  function_timeout_seconds = var.timeout
  event_rule_name          = module.orchestration.event_rule_name
  dead_letter_queue_name   = module.orchestration.dead_letter_queue_name
  alarm_email              = var.alarm_email
  kms_key_arn              = var.kms_key_arn
  tags                     = var.tags
}
