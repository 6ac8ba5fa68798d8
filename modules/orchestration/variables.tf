variable "name" {
  description = "Name of the state machine (also the prefix of its rule, roles, queue and log group)."
  type        = string
}

# Rendered definitions are passed in (as terraform-aws-step-functions takes them): the root module renders
# state_machine/*.json with templatefile(), and the local stack renders the same files the same way.
variable "definition" {
  description = "ASL of the resize workflow, rendered (state_machine/image_processing.json)."
  type        = string
}

variable "event_pattern" {
  description = "EventBridge pattern of the uploads that start the workflow, rendered (state_machine/object_created.pattern.json)."
  type        = string
}

variable "cleanup_definition" {
  description = "ASL of the cleanup workflow, rendered (state_machine/variant_cleanup.json); required when delete_variants_on_source_delete."
  type        = string
  default     = null
}

variable "deleted_event_pattern" {
  description = "EventBridge pattern of deleted originals, rendered (state_machine/object_deleted.pattern.json); required when delete_variants_on_source_delete."
  type        = string
  default     = null
}

variable "backfill_definition" {
  description = "ASL of the backfill workflow, rendered (state_machine/backfill.json); required when enable_backfill."
  type        = string
  default     = null
}

variable "delete_variants_on_source_delete" {
  description = "Create the cleanup state machine and the Object Deleted rule that delete a deleted original's variants."
  type        = bool
  default     = false
}

variable "enable_events" {
  description = "The workflow publishes Image Variants Ready/Failed events: its role may put events on the default bus."
  type        = bool
  default     = false
}

variable "enable_backfill" {
  description = "Create the backfill state machine (Distributed Map over the originals bucket's listing)."
  type        = bool
  default     = false
}

variable "originals_bucket_arn" {
  description = "ARN of the originals bucket (the backfill lists it)."
  type        = string
  default     = null
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

variable "originals_bucket_name" {
  description = "Bucket whose Object Created events start executions."
  type        = string
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

# EventBridge's own defaults and maximums (24 hours, 185 retries): a 100,000-upload burst needs several minutes
# of StartExecution refill; fewer retries sent part of it to the DLQ (scripts/capacity.py --burst 100000/60).
variable "event_max_age_seconds" {
  description = "How long EventBridge keeps retrying a failed StartExecution before the event goes to the DLQ."
  type        = number
  default     = 86400

  validation {
    condition     = var.event_max_age_seconds >= 60 && var.event_max_age_seconds <= 86400
    error_message = "event_max_age_seconds must be from 60 to 86400 (EventBridge's limits)."
  }
}

variable "event_max_retries" {
  description = "How many times EventBridge retries a failed StartExecution before the event goes to the DLQ."
  type        = number
  default     = 185

  validation {
    condition     = var.event_max_retries >= 0 && var.event_max_retries <= 185
    error_message = "event_max_retries must be from 0 to 185 (EventBridge's limits)."
  }
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

variable "backfill_inventory_bucket" {
  description = "Bucket holding the originals bucket's S3 Inventory reports, which the backfill may read (null: none)."
  type        = string
  default     = null
}
