# The bucket policies deny requests without TLS and admit only the CDN's own distribution.

provider "aws" {
  region = "eu-west-1"
}

variables {
  originals_bucket_name = "test-originals"
  resized_bucket_name   = "test-resized"
}

run "buckets_deny_insecure_transport" {
  command = apply

  module {
    source = "./modules/storage"
  }

  assert {
    condition = alltrue([for name, doc in data.aws_iam_policy_document.tls_only : anytrue([
      for s in jsondecode(doc.json).Statement :
      s.Effect == "Deny" && s.Action == "s3:*" && s.Principal == "*" && s.Condition.Bool["aws:SecureTransport"] == "false"
    ])])
    error_message = "each bucket denies every request made without TLS"
  }

  assert {
    condition     = length(flatten([for name, doc in data.aws_iam_policy_document.tls_only : [for s in jsondecode(doc.json).Statement : s if s.Effect == "Allow"]])) == 0
    error_message = "without a CDN no bucket policy allows anything"
  }
}

run "resized_bucket_admits_only_the_distribution" {
  command = apply

  module {
    source = "./modules/storage"
  }

  variables {
    cdn_distribution_arn = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
  }

  assert {
    condition = one([
      for s in jsondecode(data.aws_iam_policy_document.tls_only["resized"].json).Statement : s if s.Effect == "Allow"
      ]).Condition.StringEquals["AWS:SourceArn"] == var.cdn_distribution_arn && one([
      for s in jsondecode(data.aws_iam_policy_document.tls_only["resized"].json).Statement : s if s.Effect == "Allow"
    ]).Principal.Service == "cloudfront.amazonaws.com"
    error_message = "CloudFront reads variants only on behalf of this distribution (Origin Access Control)"
  }

  assert {
    condition     = length([for s in jsondecode(data.aws_iam_policy_document.tls_only["originals"].json).Statement : s if s.Effect == "Allow"]) == 0
    error_message = "the originals bucket admits nobody"
  }
}

run "the_same_bucket_twice_is_refused" {
  command = plan

  module {
    source = "./modules/storage"
  }

  variables {
    resized_bucket_name = "test-originals"
  }

  expect_failures = [var.resized_bucket_name]
}
