variable "name" {
  description = "Name of the state machine (also the prefix of its rule, roles, queue and log group)."
  type        = string
}

variable "definition_template_path" {
  description = "Path of the ASL template (state_machine/image_processing.json), rendered with templatefile()."
  type        = string
}

variable "event_pattern_template_path" {
  description = "Path of the EventBridge pattern template (state_machine/object_created.pattern.json)."
  type        = string
}

variable "enable_variant_cleanup" {
  description = "Create the cleanup state machine and the Object Deleted rule that delete a deleted original's variants."
  type        = bool
  default     = false
}

variable "cleanup_definition_template_path" {
  description = "Path of the cleanup ASL template (state_machine/variant_cleanup.json)."
  type        = string
  default     = null
}

variable "deleted_event_pattern_template_path" {
  description = "Path of the Object Deleted pattern template (state_machine/object_deleted.pattern.json)."
  type        = string
  default     = null
}

variable "enable_backfill" {
  description = "Create the backfill state machine (Distributed Map over the originals bucket's listing)."
  type        = bool
  default     = false
}

variable "backfill_definition_template_path" {
  description = "Path of the backfill ASL template (state_machine/backfill.json)."
  type        = string
  default     = null
}

variable "originals_bucket_arn" {
  description = "ARN of the originals bucket (the backfill lists it)."
  type        = string
  default     = null
}

variable "backfill_max_concurrency" {
  description = "Child executions of the backfill's Distributed Map running at once (caps Lambda concurrency)."
  type        = number
  default     = 20

  validation {
    condition     = var.backfill_max_concurrency >= 1 && var.backfill_max_concurrency <= 10000
    error_message = "backfill_max_concurrency must be between 1 and 10000."
  }
}

variable "backfill_tolerated_failure_percentage" {
  description = "Percentage of failed items (e.g. corrupt originals) the backfill tolerates before failing."
  type        = number
  default     = 5

  validation {
    condition     = var.backfill_tolerated_failure_percentage >= 0 && var.backfill_tolerated_failure_percentage <= 100
    error_message = "backfill_tolerated_failure_percentage must be between 0 and 100."
  }
}

variable "workflow_type" {
  description = "STANDARD (console-visible executions, exactly-once) or EXPRESS (cheaper at high volume)."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "EXPRESS"], var.workflow_type)
    error_message = "workflow_type must be STANDARD or EXPRESS."
  }
}

variable "resize_function_arn" {
  description = "ARN of the resize Lambda the Task state invokes."
  type        = string
}

variable "task_timeout_seconds" {
  description = "TimeoutSeconds of the resize Task; keep it above the function's timeout."
  type        = number
}

variable "originals_bucket_name" {
  description = "Bucket whose Object Created events start executions."
  type        = string
}

variable "key_prefix" {
  description = "Only keys starting with this prefix start a run (empty: every key)."
  type        = string
  default     = ""
}

variable "key_suffixes" {
  description = "Only keys ending with one of these suffixes start a run, e.g. [\".jpg\", \".png\"] (empty: any)."
  type        = list(string)
  default     = []
}

variable "log_level" {
  description = "Step Functions execution log level: ALL, ERROR, FATAL or OFF."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.log_level)
    error_message = "log_level must be ALL, ERROR, FATAL or OFF."
  }
}

variable "log_retention_days" {
  description = "Retention of the state machine's log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "enable_xray" {
  description = "X-Ray tracing of executions."
  type        = bool
  default     = false
}

variable "event_max_age_seconds" {
  description = "How long EventBridge keeps retrying a failed StartExecution before the event goes to the DLQ."
  type        = number
  default     = 3600
}

variable "event_max_retries" {
  description = "How many times EventBridge retries a failed StartExecution before the event goes to the DLQ."
  type        = number
  default     = 10
}

variable "kms_key_arn" {
  description = "KMS key for the log group, if any."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
