output "function_name" {
  description = "Name of the resize function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the resize function."
  value       = aws_lambda_function.this.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "layer_version_arn" {
  description = "ARN of the dependencies layer version."
  value       = aws_lambda_layer_version.dependencies.arn
}
