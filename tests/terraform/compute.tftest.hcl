# The function's policy grants exactly the actions the code calls, on exactly the buckets it needs.
# Run by tests/static/test_terraform_core.py (terraform test with the stand-in provider); by hand:
#   eval "$(make -s terraform-standin)"; then, in a copy of the repository: terraform init -test-directory=tests/terraform && terraform test -test-directory=tests/terraform

provider "aws" {
  region = "eu-west-1"
}

variables {
  function_name      = "image-resizer"
  function_zip_path  = "dist/arm64/function.zip"
  layer_zip_path     = "dist/arm64/layer.zip"
  environment        = { VARIANTS = "{}" }
  source_bucket_arn  = "arn:aws:s3:::test-originals"
  resized_bucket_arn = "arn:aws:s3:::test-resized"
}

run "function_policy_is_least_privilege" {
  command = apply

  module {
    source = "./modules/compute"
  }

  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.permissions.json).Statement : s.Action])) == toset([
      "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectVersionTagging",
      "s3:PutObject", "logs:CreateLogStream", "logs:PutLogEvents",
    ])
    error_message = "the function may call exactly what it calls: reads of originals and variants, writes of variants, its own log lines"
  }

  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.permissions.json).Statement : s.Resource if startswith(jsonencode(s.Action), "\"s3:") || can(regex("s3:", jsonencode(s.Action)))])) == toset([
      "arn:aws:s3:::test-originals/*", "arn:aws:s3:::test-resized/*",
    ])
    error_message = "S3 access is to the objects of the two buckets only"
  }

  assert {
    condition     = alltrue([for s in jsondecode(data.aws_iam_policy_document.permissions.json).Statement : s.Effect == "Allow" && !contains(flatten([s.Resource]), "*")])
    error_message = "no statement of the default policy names every resource"
  }

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == 100 && one(aws_lambda_function.this.architectures) == "arm64"
    error_message = "the function keeps the module's defaults"
  }
}

run "deletes_only_with_cascade_deletes" {
  command = apply

  module {
    source = "./modules/compute"
  }

  variables {
    delete_variants_on_source_delete = true
    enable_xray                      = true
    kms_key_arn                      = "arn:aws:kms:eu-west-1:123456789012:key/0b1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
  }

  assert {
    condition     = one([for s in jsondecode(data.aws_iam_policy_document.permissions.json).Statement : s.Resource if s.Action == "s3:DeleteObject"]) == "arn:aws:s3:::test-resized/*"
    error_message = "cascade deletes may delete variants, in the resized bucket only"
  }

  assert {
    condition     = one([for s in jsondecode(data.aws_iam_policy_document.permissions.json).Statement : s.Resource if s.Sid == "UseBucketKey"]) == var.kms_key_arn
    error_message = "the bucket key is used through the one key given"
  }

  assert {
    condition     = one([for s in jsondecode(data.aws_iam_policy_document.permissions.json).Statement : s.Resource if s.Sid == "XRayTraces"]) == "*"
    error_message = "X-Ray's PutTraceSegments takes no resource (AWS X-Ray: identity-based policy examples)"
  }
}
