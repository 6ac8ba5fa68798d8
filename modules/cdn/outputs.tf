output "domain_name" {
  description = "The distribution's domain name (d1234.cloudfront.net)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_id" {
  description = "Distribution ID (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "Distribution ARN (the resized bucket's policy admits exactly this one)."
  value       = aws_cloudfront_distribution.this.arn
}

output "negotiation_function_arn" {
  description = "ARN of the CloudFront Function that negotiates ?w=/?v= requests (null when no variant has formats)."
  value       = one(aws_cloudfront_function.negotiate[*].arn)
}
