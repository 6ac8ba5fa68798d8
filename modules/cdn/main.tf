# CloudFront in front of the resized bucket: the bucket stays private and admits only this distribution
# (Origin Access Control, the storage module's bucket policy), HTTPS only, HTTP/2 and HTTP/3, no compression
# (images are compressed already), the objects' own Cache-Control honoured.
resource "aws_cloudfront_origin_access_control" "this" {
  name                              = "${var.name}-variants"
  description                       = "CloudFront reads the resized bucket of ${var.name}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_cache_policy" "variants" {
  name        = "${var.name}-variants"
  comment     = "Honours each object's Cache-Control (variants: a day, or a year and immutable when content-addressed)"
  min_ttl     = 0
  default_ttl = 86400
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = false
    enable_accept_encoding_gzip   = false

    cookies_config {
      cookie_behavior = "none"
    }

    headers_config {
      header_behavior = "none"
    }

    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-security-headers"
  comment = "Security headers for image responses"

  security_headers_config {
    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_security_policy {
      content_security_policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
      override                = true
    }
  }
}

# One URL per image: ?w= or ?v= on the upload's own key is rewritten to the variant, in the first of its formats
# the browser accepts (negotiate.js.tftpl). Rendered here from the variants, so it cannot disagree with them.
locals {
  negotiation_code = templatefile("${path.module}/negotiate.js.tftpl", {
    variants = jsonencode({ for name, variant in var.negotiated_variants : name => variant })
  })
  # viewer-request picks and rewrites; viewer-response adds Vary: Accept. One function serves both events.
  negotiation_events = length(var.negotiated_variants) > 0 ? ["viewer-request", "viewer-response"] : []
}

resource "aws_cloudfront_function" "negotiate" {
  count = length(var.negotiated_variants) > 0 ? 1 : 0

  name    = "${var.name}-negotiate"
  runtime = "cloudfront-js-2.0"
  comment = "Picks the variant and format of ${var.name}'s images by ?w=, ?v= and Accept"
  publish = true
  code    = local.negotiation_code

  lifecycle {
    precondition {
      # CloudFront Functions' quota: "Maximum size of a function: 10 KB" (CloudFront Developer Guide,
      # "Quotas on CloudFront Functions"); said at plan, not as a failed CreateFunction.
      condition     = length(local.negotiation_code) <= 10240
      error_message = "The negotiation function for these variants is ${length(local.negotiation_code)} bytes; CloudFront Functions allow 10240. Give fewer variants formats, or shorter key templates."
    }
  }
}

# No WAF by default (a web ACL costs $5 a month plus requests, for public read-only images from a private bucket)
# and no standard access logs (they need a log bucket whose retention is the operator's policy): see checkov below.
#trivy:ignore:AVD-AWS-0010
#trivy:ignore:AVD-AWS-0011
resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_68:A WAF web ACL costs $5 a month plus requests; the distribution serves public images read-only from a private bucket. Attach one with the web_acl_id of your own if you need rate rules.
  #checkov:skip=CKV2_AWS_47:No WAF by default (see CKV_AWS_68); Log4j rules protect Java origins, and the origin is S3.
  #checkov:skip=CKV_AWS_86:Standard access logs need a log bucket whose retention is the operator's policy; CloudFront's metrics cover requests and errors.
  #checkov:skip=CKV_AWS_310:One origin by design: the resized bucket; variants can be re-rendered (backfill) rather than failed over.
  #checkov:skip=CKV_AWS_374:Images are served worldwide; restrict with a geo_restriction of your own if you must.
  #checkov:skip=CKV_AWS_305:No default root object: the distribution serves variant keys, not a site.
  #checkov:skip=CKV_AWS_174:With aliases and an ACM certificate the minimum protocol is TLSv1.2_2021; the default *.cloudfront.net certificate cannot set one.
  #checkov:skip=CKV2_AWS_42:A custom certificate comes with aliases (cdn_aliases, cdn_acm_certificate_arn); without them the *.cloudfront.net name is served.
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.price_class
  aliases         = var.aliases
  comment         = "Variants of ${var.name}"

  origin {
    domain_name              = var.bucket_regional_domain_name
    origin_id                = "variants"
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  default_cache_behavior {
    target_origin_id           = "variants"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    viewer_protocol_policy     = "https-only"
    compress                   = false
    cache_policy_id            = aws_cloudfront_cache_policy.variants.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id

    dynamic "function_association" {
      for_each = local.negotiation_events
      content {
        event_type   = function_association.value
        function_arn = aws_cloudfront_function.negotiate[0].arn
      }
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.acm_certificate_arn == null
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = var.acm_certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.acm_certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }

  tags = var.tags
}
