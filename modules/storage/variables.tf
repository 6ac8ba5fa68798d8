variable "originals_bucket_name" {
  description = "Name of the bucket users upload originals to (globally unique, 3-63 lowercase characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.originals_bucket_name))
    error_message = "originals_bucket_name must be 3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with a letter or digit."
  }
}

variable "resized_bucket_name" {
  description = "Name of the bucket the resized variants are written to; must differ from the originals bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.resized_bucket_name))
    error_message = "resized_bucket_name must be 3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with a letter or digit."
  }

  validation {
    # The function refuses the same at cold start (settings.py): its outputs would start new runs forever.
    condition     = var.resized_bucket_name != var.originals_bucket_name
    error_message = "RESIZED_BUCKET equals SOURCE_BUCKET ('${var.resized_bucket_name}'): outputs would trigger new runs forever"
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for SSE-KMS on both buckets; null keeps S3-managed keys (SSE-S3)."
  type        = string
  default     = null
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent versions of originals are deleted (originals are versioned)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete non-empty buckets. Keep false outside throwaway environments."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}

variable "cdn_distribution_arn" {
  description = "CloudFront distribution that may read the resized bucket (Origin Access Control); null: none."
  type        = string
  default     = null
}
