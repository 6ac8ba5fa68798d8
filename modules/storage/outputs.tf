output "originals_bucket_name" {
  description = "Name of the originals bucket."
  value       = aws_s3_bucket.this["originals"].id
}

output "originals_bucket_arn" {
  description = "ARN of the originals bucket."
  value       = aws_s3_bucket.this["originals"].arn
}

output "resized_bucket_name" {
  description = "Name of the resized bucket."
  value       = aws_s3_bucket.this["resized"].id
}

output "resized_bucket_arn" {
  description = "ARN of the resized bucket."
  value       = aws_s3_bucket.this["resized"].arn
}

output "resized_bucket_regional_domain_name" {
  description = "Regional domain name of the resized bucket (a CDN's origin)."
  value       = aws_s3_bucket.this["resized"].bucket_regional_domain_name
}
