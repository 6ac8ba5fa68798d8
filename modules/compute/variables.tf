variable "function_name" {
  description = "Name of the resize Lambda function."
  type        = string
}

variable "function_zip_path" {
  description = "Path of function.zip built by scripts/build_lambda.py (dist/<architecture>/function.zip)."
  type        = string
}

variable "layer_zip_path" {
  description = "Path of layer.zip built by scripts/build_lambda.py for the same architecture and runtime."
  type        = string
}

variable "runtime" {
  description = "Lambda Python runtime; the artifacts must be built for the same version (make build builds python3.12)."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.11, python3.12 or python3.13."
  }
}

variable "architecture" {
  description = "Instruction set of the function and its layer: arm64 (cheaper per GB-second) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it). 2048 holds a 100 MP decode of any input format; see README."
  type        = number
  default     = 2048

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Function timeout in seconds."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions, applied only when the account's Lambda concurrency quota leaves the 100 unreserved executions AWS requires; null leaves the function on the account's unreserved pool."
  type        = number
  default     = 100

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 0, false)
    error_message = "reserved_concurrency must be null or a number >= 0."
  }
}

variable "environment" {
  description = "Environment variables of the function (RESIZED_BUCKET, SOURCE_BUCKET, VARIANTS, limits)."
  type        = map(string)
}

variable "source_bucket_arn" {
  description = "ARN of the originals bucket (read-only access)."
  type        = string
}

variable "resized_bucket_arn" {
  description = "ARN of the resized bucket (write and the skip-check read)."
  type        = string
}

variable "delete_variants_on_source_delete" {
  description = "Grant s3:DeleteObject on the resized bucket (cascade deletes of variants when originals are deleted)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key used by the buckets and log group, if any; the function gets decrypt/encrypt on it."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "enable_xray" {
  description = "Active X-Ray tracing for the function."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
