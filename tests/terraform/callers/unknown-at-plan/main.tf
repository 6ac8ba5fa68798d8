# A caller whose inputs are known only after apply (an ARN, a number from a resource created alongside): one
# `terraform apply` must plan the root module from an empty state (tests/static/test_terraform_core.py).
terraform {
  required_version = ">= 1.9.0"
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 6.0.0, < 7.0.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "pipeline" {
  #checkov:skip=CKV2_AWS_64:A test caller: only the ARN's being unknown at plan time matters here.
  description         = "pipeline key created in the same apply"
  enable_key_rotation = true
}

module "pipeline" {
  source = "../../../.."

  originals_bucket_name = "unknown-at-plan-originals"
  resized_bucket_name   = "unknown-at-plan-resized"
  artifacts_dir         = "${path.module}/../../../../dist"
  kms_key_arn           = aws_kms_key.pipeline.arn
  reserved_concurrency  = aws_kms_key.pipeline.deletion_window_in_days
}
