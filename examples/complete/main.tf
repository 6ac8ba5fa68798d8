# Every optional feature on: several variants (wide gamut kept on one, a smart crop, a kept animation, one in
# several formats negotiated at the CDN), an upload filter, manifests served through the CDN, variant events,
# cascade deletes, the Distributed Map backfill, IAM-authorised POST /start, X-Ray, a customer-managed KMS key,
# alarm e-mail, reserved concurrency.
locals {
  region = "eu-west-1"
}

module "image_resizer" {
  source = "../.."

  name                  = "image-resizer-complete"
  region                = local.region
  originals_bucket_name = "example-complete-originals-0001"
  resized_bucket_name   = "example-complete-resized-0001"
  artifacts_dir         = "${path.root}/../../dist"

  variants = {
    thumbnail = { width = 200, height = 200, key = "{key}" }
    square    = { width = 256, height = 256, fit = "cover", gravity = "attention", format = "webp", key = "square/{dir}{stem}.{ext}" }
    motion    = { width = 480, height = 480, animation = "keep", key = "motion/{dir}{stem}.{hash}.{ext}" }
    large     = { width = 1600, height = 1600, quality = 85, colorspace = "keep", key = "large/{key}" }
    avif      = { width = 800, height = 800, format = "avif", quality = 60, key = "avif/{dir}{stem}.{ext}" }
    # One URL per image: written as AVIF, WebP and JPEG; the CDN's function serves /{key}?w=1200 in the best one.
    negotiated = { width = 1200, height = 1200, formats = ["avif", "webp", "jpeg"], quality = "auto" }
  }
  max_source_pixels = 60000000
  max_source_bytes  = 30000000

  architecture         = "arm64"
  memory_size          = 3008
  timeout              = 90
  reserved_concurrency = 50

  key_prefix   = "uploads/"
  key_suffixes = [".jpg", ".jpeg", ".png", ".webp", ".heic"]

  enable_cdn      = true
  cdn_price_class = "PriceClass_200"
  enable_events   = true

  delete_variants_on_source_delete      = true
  enable_backfill                       = true
  backfill_max_concurrency              = 40
  backfill_tolerated_failure_percentage = 2
  backfill_inventory_bucket             = "example-originals-inventory"

  enable_api                 = true
  api_authorization_type     = "AWS_IAM"
  api_throttling_burst_limit = 10
  api_throttling_rate_limit  = 5

  enable_xray = true
  kms_key_arn = aws_kms_key.pipeline.arn
  # The key above is created in the same apply: its ARN is unknown at plan, so say that it (not a new key) encrypts
  # the alarm topic; its policy admits CloudWatch (kms.tf).
  create_alarm_kms_key = false
  alarm_email          = "ops@example.com"
  log_retention_days   = 90

  tags = {
    project     = "image-resizer"
    environment = "example"
  }
}
