variable "name" {
  description = "Name prefix of the distribution's policies and origin access control."
  type        = string
}

variable "bucket_regional_domain_name" {
  description = "Regional domain name of the resized bucket (the origin)."
  type        = string
}

variable "aliases" {
  description = "Alternate domain names (CNAMEs), e.g. [\"images.example.com\"]; they need acm_certificate_arn."
  type        = list(string)
  default     = []

  # CloudFront refuses an alias without a certificate that covers it; say so at plan, not halfway through apply.
  validation {
    condition     = length(var.aliases) == 0 || var.acm_certificate_arn != null
    error_message = "cdn_aliases need cdn_acm_certificate_arn: an ACM certificate in us-east-1 that covers them."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 covering the aliases; null serves *.cloudfront.net only."
  type        = string
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate in us-east-1 (CloudFront's requirement)."
  }
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100 (North America, Europe), PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}

variable "negotiated_variants" {
  description = "The variants written in several formats (the root's variants that set formats), name -> {width, fit, formats, key}: the viewer-request function picks one by ?w= or ?v= and its format by the Accept header. Empty: no function."
  type = map(object({
    width   = number
    fit     = string
    formats = list(string)
    key     = string
  }))
  default = {}
}
