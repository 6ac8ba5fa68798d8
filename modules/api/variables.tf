variable "name" {
  description = "Name of the HTTP API (also the prefix of its role and log group)."
  type        = string
}

variable "state_machine_arn" {
  description = "State machine that POST /start starts."
  type        = string
}

variable "authorization_type" {
  description = "Authorization of POST /start: NONE (anyone with the URL, as the seed's Invoke-WebRequest test) or AWS_IAM (SigV4)."
  type        = string
  default     = "NONE"

  validation {
    condition     = contains(["NONE", "AWS_IAM"], var.authorization_type)
    error_message = "authorization_type must be NONE or AWS_IAM."
  }
}

variable "throttling_burst_limit" {
  description = "Burst limit of the API's default route."
  type        = number
  default     = 10

  validation {
    condition     = floor(var.throttling_burst_limit) == var.throttling_burst_limit && var.throttling_burst_limit >= 0
    error_message = "api_throttling_burst_limit must be a whole number >= 0 (0 refuses every request)."
  }
}

variable "throttling_rate_limit" {
  description = "Steady requests per second of the API's default route."
  type        = number
  default     = 5

  validation {
    condition     = var.throttling_rate_limit >= 0
    error_message = "api_throttling_rate_limit must be >= 0 requests per second (0 refuses every request)."
  }
}

variable "log_retention_days" {
  description = "Retention of the access log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the access log group, if any."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
