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
