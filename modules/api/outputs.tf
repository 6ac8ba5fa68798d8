output "api_endpoint" {
  description = "Base URL of the HTTP API."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "start_url" {
  description = "Full URL of POST /start."
  value       = "${aws_apigatewayv2_api.this.api_endpoint}/start"
}

output "access_log_group_name" {
  description = "CloudWatch log group of the API's access logs."
  value       = aws_cloudwatch_log_group.access.name
}
