"""The CDN module's structure: what a real plan would create, read from the HCL (no provider offline)."""

from __future__ import annotations

from pipeline_dev.terraform import blocks, variables

from tests.conftest import REPO_ROOT

CDN = REPO_ROOT / "modules" / "cdn"


def resource(directory, kind, name):
    return next(b.body for b in blocks(directory) if b.kind == "resource" and b.labels == (kind, name))


def test_the_distribution_serves_https_only_over_http2_and_3_without_recompressing_images():
    distribution = resource(CDN, "aws_cloudfront_distribution", "this")
    assert distribution["http_version"] == "http2and3" and distribution["price_class"] == "${var.price_class}"
    (behaviour,) = distribution["default_cache_behavior"]
    assert behaviour["viewer_protocol_policy"] == "https-only" and behaviour["compress"] is False
    assert behaviour["allowed_methods"] == ["GET", "HEAD"]
    assert "aws_cloudfront_response_headers_policy.security" in behaviour["response_headers_policy_id"]
    (origin,) = distribution["origin"]
    assert "aws_cloudfront_origin_access_control.this" in origin["origin_access_control_id"]
    assert distribution["aliases"] == "${var.aliases}"


def test_the_cache_policy_honours_the_objects_cache_control():
    policy = resource(CDN, "aws_cloudfront_cache_policy", "variants")
    assert policy["min_ttl"] == 0 and policy["max_ttl"] == 31536000  # within these, Cache-Control decides
    (parameters,) = policy["parameters_in_cache_key_and_forwarded_to_origin"]
    assert parameters["enable_accept_encoding_gzip"] is False and parameters["enable_accept_encoding_brotli"] is False


def test_security_headers():
    (headers,) = resource(CDN, "aws_cloudfront_response_headers_policy", "security")["security_headers_config"]
    assert {"strict_transport_security", "content_type_options", "frame_options", "referrer_policy"} <= set(headers)


def test_the_resized_bucket_admits_exactly_the_distribution():
    storage = REPO_ROOT / "modules" / "storage"
    document = next(b.body for b in blocks(storage) if b.labels == ("aws_iam_policy_document", "tls_only"))
    (dynamic,) = document["dynamic"]
    statement = dynamic["statement"]
    assert (
        statement["for_each"]
        == '${each.key == "resized" && var.cdn_distribution_arn != null ? [var.cdn_distribution_arn] : []}'
    )
    (content,) = statement["content"]
    assert content["actions"] == ["s3:GetObject"]
    assert content["principals"][0]["identifiers"] == ["cloudfront.amazonaws.com"]
    assert content["condition"][0]["variable"] == "AWS:SourceArn" and content["condition"][0]["values"] == [
        "${statement.value}"
    ]
    main = next(b.body for b in blocks(REPO_ROOT) if b.kind == "module" and b.labels == ("storage",))
    assert main["cdn_distribution_arn"] == "${var.enable_cdn ? module.cdn[0].distribution_arn : null}"


def test_cdn_switches_and_outputs():
    root = variables(REPO_ROOT)
    assert root["enable_cdn"]["default"] is False and root["cdn_price_class"]["default"] == "PriceClass_100"
    assert "validation" in variables(CDN)["acm_certificate_arn"]
    outputs = {b.labels[0] for b in blocks(REPO_ROOT) if b.kind == "output"}
    assert {"cdn_domain_name", "cdn_distribution_id"} <= outputs
    main = (REPO_ROOT / "main.tf").read_text()
    assert "BASE_URL          = var.base_url != null ? var.base_url : local.cdn_url" in main
