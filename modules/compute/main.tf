locals {
  log_group_name = "/aws/lambda/${var.function_name}"
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Log group KMS encryption follows kms_key_arn; CloudWatch Logs encrypts at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is the operator's choice (log_retention_days, 30 days by default) to keep storage cost low.
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_layer_version" "dependencies" {
  layer_name               = "${var.function_name}-dependencies"
  description              = "Pillow, pi-heif and aws-lambda-powertools for ${var.runtime} on ${var.architecture}"
  filename                 = var.layer_zip_path
  source_code_hash         = filebase64sha256(var.layer_zip_path)
  compatible_runtimes      = [var.runtime]
  compatible_architectures = [var.architecture]
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.function_name}-role"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "permissions" {
  statement {
    # HEAD of the current version (s3:GetObject), then its bytes and tags by that version: the originals bucket is
    # always versioned, so plain GetObjectTagging is never called (tests/integration/test_least_privilege.py).
    sid       = "ReadOriginals"
    actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectVersionTagging"]
    resources = ["${var.source_bucket_arn}/*"]
  }

  statement {
    sid       = "WriteVariants"
    actions   = ["s3:PutObject"]
    resources = ["${var.resized_bucket_arn}/*"]
  }

  statement {
    # HEAD of an existing variant (skip check); without ListBucket a missing key answers 403, handled as absent.
    sid       = "ReadVariantsForSkipCheck"
    actions   = ["s3:GetObject"]
    resources = ["${var.resized_bucket_arn}/*"]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = var.delete_variants_on_source_delete ? [1] : []

    content {
      # Only variants: originals are never deleted by the pipeline.
      sid       = "DeleteVariantsOfDeletedOriginals"
      actions   = ["s3:DeleteObject"]
      resources = ["${var.resized_bucket_arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "UseBucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.enable_xray ? [1] : []

    content {
      # X-Ray trace submission has no resource-level permissions.
      sid       = "XRayTraces"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.function_name}-least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.permissions.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by Step Functions, which records failures; a Lambda DLQ only applies to async invocations.
  #checkov:skip=CKV_AWS_117:The function only calls S3 and CloudWatch over public endpoints; a VPC would add NAT cost and cold-start latency.
  #checkov:skip=CKV_AWS_173:Environment variables hold bucket names and settings, no secrets.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile per account; artifacts are reproducible and hash-pinned (source_code_hash).
  #checkov:skip=CKV_AWS_115:Reserved (100) by default; left to the account pool only where the account's quota cannot spare it (see local.reserved_concurrency).
  function_name    = var.function_name
  description      = "Resizes images from the originals bucket into the resized bucket"
  role             = aws_iam_role.this.arn
  runtime          = var.runtime
  architectures    = [var.architecture]
  handler          = "image_resizer.handler.lambda_handler"
  filename         = var.function_zip_path
  source_code_hash = filebase64sha256(var.function_zip_path)
  layers           = [aws_lambda_layer_version.dependencies.arn]
  memory_size      = var.memory_size
  timeout          = var.timeout

  reserved_concurrent_executions = local.reserved_concurrency

  environment {
    variables = merge(var.environment, {
      POWERTOOLS_SERVICE_NAME      = "image-resizer"
      POWERTOOLS_METRICS_NAMESPACE = "ImageResizer"
    })
  }

  # X-Ray is opt-in (enable_xray): traces are billed per request; logs and EMF metrics cover every image.
  #trivy:ignore:AVD-AWS-0066
  tracing_config {
    mode = var.enable_xray ? "Active" : "PassThrough"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}

# "ReservedConcurrentExecutions ... decreases account's UnreservedConcurrentExecution below its minimum value
# of [100]" is what PutFunctionConcurrency answers when the account's quota is too small (Lambda Developer
# Guide, "Configuring reserved concurrency"; new accounts may start with a quota of 10). Reserve only where it
# fits, so the first apply works on every account; the quota is read from Service Quotas (L-B99A9384).
# Read whether or not a reservation is asked for: a count decided by reserved_concurrency being null could not be
# planned when a caller passes a value known only after apply.
data "aws_servicequotas_service_quota" "concurrency" {
  service_code = "lambda"
  quota_code   = "L-B99A9384"
}

locals {
  reserved_concurrency = (
    var.reserved_concurrency == null ? -1 :
    data.aws_servicequotas_service_quota.concurrency.value - var.reserved_concurrency >= 100 ? var.reserved_concurrency : -1
  )
}
