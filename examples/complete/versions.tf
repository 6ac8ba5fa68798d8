terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
}

# The example's own key (kms.tf) must live in the pipeline's region: a KMS key encrypts only in its own region.
provider "aws" {
  region = local.region
}
