data "aws_partition" "current" {}

locals {
  artifacts_dir = coalesce(var.artifacts_dir, "${path.root}/dist")
}

module "storage" {
  source = "./modules/storage"

  originals_bucket_name = var.originals_bucket_name
  resized_bucket_name   = var.resized_bucket_name
  kms_key_arn           = var.kms_key_arn
  force_destroy         = var.force_destroy
  cdn_distribution_arn  = var.enable_cdn ? module.cdn[0].distribution_arn : null
  tags                  = var.tags
}

module "compute" {
  source = "./modules/compute"

  function_name                    = var.name
  function_zip_path                = "${local.artifacts_dir}/${var.architecture}/function.zip"
  layer_zip_path                   = "${local.artifacts_dir}/${var.architecture}/layer.zip"
  runtime                          = var.runtime
  architecture                     = var.architecture
  memory_size                      = var.memory_size
  timeout                          = var.timeout
  reserved_concurrency             = var.reserved_concurrency
  delete_variants_on_source_delete = var.delete_variants_on_source_delete
  source_bucket_arn                = module.storage.originals_bucket_arn
  resized_bucket_arn               = module.storage.resized_bucket_arn
  kms_key_arn                      = var.kms_key_arn
  log_retention_days               = var.log_retention_days
  enable_xray                      = var.enable_xray
  tags                             = var.tags

  environment = {
    SOURCE_BUCKET     = module.storage.originals_bucket_name
    RESIZED_BUCKET    = module.storage.resized_bucket_name
    VARIANTS          = jsonencode(local.variants)
    MAX_SOURCE_PIXELS = tostring(var.max_source_pixels)
    MAX_SOURCE_BYTES  = tostring(var.max_source_bytes)
    CACHE_CONTROL     = var.cache_control
    MANIFEST_KEY      = var.manifest_key == null ? "null" : var.manifest_key
    BASE_URL          = var.base_url != null ? var.base_url : local.cdn_url
    WORKFLOW_TYPE     = var.workflow_type # which Step Functions price the function's cost estimate uses
  }
}

# The workflows and patterns are rendered here, from the one set of templates the local stack renders too
# (pipeline_dev.templates), and passed to the module as strings.
locals {
  # EventBridge content filters for the key; an empty prefix matches every key.
  key_filters = length(var.key_suffixes) == 0 ? [{ prefix = var.key_prefix }] : (
    var.key_prefix == ""
    ? [for suffix in var.key_suffixes : { suffix = suffix }]
    : [for suffix in var.key_suffixes : { wildcard = "${replace(var.key_prefix, "*", "\\*")}*${replace(suffix, "*", "\\*")}" }]
  )
  workflow_variables = {
    resize_function_arn  = module.compute.function_arn
    task_timeout_seconds = var.timeout + 10 # the Task outlives the function, so the function's own timeout reports first
    partition            = data.aws_partition.current.partition
    transient_retry      = file("${path.module}/state_machine/transient_retry.json")
    publish_events       = var.enable_events
  }
  pattern_variables = {
    originals_bucket = module.storage.originals_bucket_name
    key_filters      = jsonencode(local.key_filters)
  }
}

module "orchestration" {
  source = "./modules/orchestration"

  name          = var.name
  definition    = templatefile("${path.module}/state_machine/image_processing.json", local.workflow_variables)
  event_pattern = templatefile("${path.module}/state_machine/object_created.pattern.json", local.pattern_variables)

  delete_variants_on_source_delete = var.delete_variants_on_source_delete
  cleanup_definition               = var.delete_variants_on_source_delete ? templatefile("${path.module}/state_machine/variant_cleanup.json", local.workflow_variables) : null
  deleted_event_pattern            = var.delete_variants_on_source_delete ? templatefile("${path.module}/state_machine/object_deleted.pattern.json", local.pattern_variables) : null

  enable_events   = var.enable_events
  enable_backfill = var.enable_backfill
  backfill_definition = var.enable_backfill ? templatefile("${path.module}/state_machine/backfill.json", merge(local.workflow_variables, {
    originals_bucket             = module.storage.originals_bucket_name
    max_concurrency              = var.backfill_max_concurrency
    tolerated_failure_percentage = var.backfill_tolerated_failure_percentage
    inventory_bucket             = var.backfill_inventory_bucket == null ? "" : var.backfill_inventory_bucket
    # The same processor under both Maps (the bucket's listing, an S3 Inventory report); state names are unique
    # across a whole state machine, so each Map's task has its own.
    item_processor           = templatefile("${path.module}/state_machine/backfill_item_processor.json", merge(local.workflow_variables, { task_name = "Resize" }))
    inventory_item_processor = templatefile("${path.module}/state_machine/backfill_item_processor.json", merge(local.workflow_variables, { task_name = "ResizeInventoried" }))
  })) : null
  backfill_inventory_bucket = var.backfill_inventory_bucket

  originals_bucket_arn  = module.storage.originals_bucket_arn
  originals_bucket_name = module.storage.originals_bucket_name
  workflow_type         = var.workflow_type
  resize_function_arn   = module.compute.function_arn
  log_retention_days    = var.log_retention_days
  enable_xray           = var.enable_xray
  kms_key_arn           = var.kms_key_arn
  tags                  = var.tags
}

module "cdn" {
  source = "./modules/cdn"
  count  = var.enable_cdn ? 1 : 0

  name                        = var.name
  bucket_regional_domain_name = module.storage.resized_bucket_regional_domain_name
  aliases                     = var.cdn_aliases
  acm_certificate_arn         = var.cdn_acm_certificate_arn
  price_class                 = var.cdn_price_class
  negotiated_variants = {
    for name, variant in local.variants : name => {
      width = variant.width, fit = variant.fit, formats = variant.formats, key = variant.key
    } if variant.formats != null
  }
  tags = var.tags
}

locals {
  cdn_url = var.enable_cdn ? "https://${length(var.cdn_aliases) > 0 ? var.cdn_aliases[0] : module.cdn[0].domain_name}/" : ""
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
  create_kms_key           = var.create_alarm_kms_key
  tags                     = var.tags
}
