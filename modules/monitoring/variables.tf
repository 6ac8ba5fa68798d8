variable "name" {
  description = "Prefix of the alarms, topic and dashboard."
  type        = string
}

variable "state_machine_arn" {
  description = "State machine whose executions are watched."
  type        = string
}

variable "function_name" {
  description = "Resize function whose errors, throttles and duration are watched."
  type        = string
}

variable "function_timeout_seconds" {
  description = "The function's timeout; the duration alarm fires at 80% of it."
  type        = number
}

variable "event_rule_name" {
  description = "EventBridge rule whose failed invocations are watched."
  type        = string
}

variable "dead_letter_queue_name" {
  description = "EventBridge dead-letter queue whose depth is watched."
  type        = string
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (must be confirmed); null for none."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the alarm topic; its policy must admit cloudwatch.amazonaws.com (kms:Decrypt, kms:GenerateDataKey*). Used when create_kms_key is false."
  type        = string
  default     = null
}

variable "create_kms_key" {
  description = "Create the alarm topic's key (admitting CloudWatch) rather than use kms_key_arn. A plain bool, known at plan time, because it decides a count."
  type        = bool
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
