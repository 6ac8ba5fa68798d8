"""Plausible values for what AWS computes when a resource is created: ids, ARNs in the partition's shape, endpoints.

The shapes follow the ARN formats of the AWS service authorization reference ("Resource types defined by ..."
for each service) for the types this project creates; any other type gets a generic ARN of the same form."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pipeline_dev.standin_aws.values import placeholder, short_hash


@dataclass(frozen=True)
class Account:
    partition: str = "aws"
    region: str = "us-east-1"
    account_id: str = "123456789012"

    @property
    def dns_suffix(self) -> str:
        return {"aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com"}.get(self.partition, "amazonaws.com")


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _name(config: dict[str, Any], resource_type: str, seed: str) -> str:
    for key in ("name", "function_name", "bucket", "layer_name", "alarm_name", "dashboard_name", "role", "topic_arn"):
        value = config.get(key)
        if isinstance(value, str) and value and not value.startswith("arn:"):
            return value
    return f"{resource_type.removeprefix('aws_')}-{short_hash(seed, 8)}"


def _id(resource_type: str, config: dict[str, Any], seed: str, account: Account) -> str:
    """The id AWS gives: the name for named resources, a generated identifier otherwise."""
    generated = {
        "aws_kms_key": str(uuid.UUID(short_hash(seed, 32))),
        "aws_cloudfront_distribution": "E" + short_hash(seed, 13).upper(),
        "aws_cloudfront_origin_access_control": "E" + short_hash(seed + "oac", 13).upper(),
        "aws_cloudfront_cache_policy": str(uuid.UUID(short_hash(seed, 32))),
        "aws_cloudfront_response_headers_policy": str(uuid.UUID(short_hash(seed, 32))),
        "aws_cloudfront_function": _name(config, resource_type, seed),
        "aws_apigatewayv2_api": short_hash(seed, 10),
        "aws_apigatewayv2_integration": short_hash(seed, 7),
        "aws_apigatewayv2_route": short_hash(seed, 7),
        "aws_apigatewayv2_stage": _name(config, resource_type, seed),
    }
    if resource_type in generated:
        return generated[resource_type]
    if resource_type == "aws_sqs_queue":
        return _queue_url(config, resource_type, seed, account)
    if resource_type in {"aws_iam_role_policy"}:
        return f"{config.get('role')}:{config.get('name')}"
    if resource_type in {"aws_s3_bucket_policy", "aws_s3_bucket_versioning", "aws_s3_bucket_notification"}:
        return str(config.get("bucket"))
    return _name(config, resource_type, seed)


def _queue_url(config: dict[str, Any], resource_type: str, seed: str, account: Account) -> str:
    name = _name(config, resource_type, seed)
    return f"https://sqs.{account.region}.{account.dns_suffix}/{account.account_id}/{name}"


def arn(resource_type: str, config: dict[str, Any], seed: str, account: Account) -> str:
    p, r, a = account.partition, account.region, account.account_id
    name = _name(config, resource_type, seed)
    resource_id = _id(resource_type, config, seed, account)
    shapes = {
        "aws_s3_bucket": f"arn:{p}:s3:::{name}",
        "aws_iam_role": f"arn:{p}:iam::{a}:role/{config.get('path') or ''}{name}".replace("role//", "role/"),
        "aws_iam_policy": f"arn:{p}:iam::{a}:policy/{name}",
        "aws_lambda_function": f"arn:{p}:lambda:{r}:{a}:function:{name}",
        "aws_lambda_layer_version": f"arn:{p}:lambda:{r}:{a}:layer:{name}:1",
        "aws_lambda_alias": f"arn:{p}:lambda:{r}:{a}:function:{config.get('function_name')}:{name}",
        "aws_sfn_state_machine": f"arn:{p}:states:{r}:{a}:stateMachine:{name}",
        "aws_kms_key": f"arn:{p}:kms:{r}:{a}:key/{resource_id}",
        "aws_kms_alias": f"arn:{p}:kms:{r}:{a}:{name}",
        "aws_cloudwatch_log_group": f"arn:{p}:logs:{r}:{a}:log-group:{name}",
        "aws_cloudwatch_event_rule": f"arn:{p}:events:{r}:{a}:rule/{name}",
        "aws_cloudwatch_event_bus": f"arn:{p}:events:{r}:{a}:event-bus/{name}",
        "aws_cloudwatch_metric_alarm": f"arn:{p}:cloudwatch:{r}:{a}:alarm:{config.get('alarm_name') or name}",
        "aws_cloudwatch_dashboard": f"arn:{p}:cloudwatch::{a}:dashboard/{config.get('dashboard_name') or name}",
        "aws_sqs_queue": f"arn:{p}:sqs:{r}:{a}:{name}",
        "aws_sns_topic": f"arn:{p}:sns:{r}:{a}:{name}",
        "aws_sns_topic_subscription": f"arn:{p}:sns:{r}:{a}:{short_hash(seed, 8)}:{uuid.UUID(short_hash(seed, 32))}",
        "aws_cloudfront_distribution": f"arn:{p}:cloudfront::{a}:distribution/{resource_id}",
        "aws_cloudfront_function": f"arn:{p}:cloudfront::{a}:function/{name}",
        "aws_cloudfront_cache_policy": f"arn:{p}:cloudfront::{a}:cache-policy/{resource_id}",
        "aws_cloudfront_response_headers_policy": f"arn:{p}:cloudfront::{a}:response-headers-policy/{resource_id}",
        "aws_cloudfront_origin_access_control": f"arn:{p}:cloudfront::{a}:origin-access-control/{resource_id}",
        "aws_apigatewayv2_api": f"arn:{p}:apigateway:{r}::/apis/{resource_id}",
        "aws_apigatewayv2_stage": f"arn:{p}:apigateway:{r}::/apis/{config.get('api_id')}/stages/{name}",
    }
    if resource_type in shapes:
        return shapes[resource_type]
    service = resource_type.removeprefix("aws_").split("_")[0]
    return f"arn:{p}:{service}:{r}:{a}:{resource_type.removeprefix('aws_')}/{resource_id}"


def computed_value(
    resource_type: str,
    config: dict[str, Any],
    attribute: str,
    cty_type: Any,
    seed: str,
    account: Account,
    default_tags: dict[str, str],
) -> Any:
    """What AWS would report for ``attribute`` of a ``resource_type`` created with ``config``."""
    p, r, a = account.partition, account.region, account.account_id
    resource_arn = arn(resource_type, config, seed, account)
    resource_id = _id(resource_type, config, seed, account)
    if attribute == "id":
        return resource_id
    if attribute == "arn":
        return resource_arn
    if attribute == "region":
        return r
    if attribute == "tags_all":
        return {**default_tags, **(config.get("tags") or {})}
    if attribute == "name":
        return _name(config, resource_type, seed)
    special: dict[tuple[str, str], Any] = {
        ("aws_lambda_function", "invoke_arn"): (
            f"arn:{p}:apigateway:{r}:lambda:path/2015-03-31/functions/{resource_arn}/invocations"
        ),
        ("aws_lambda_function", "qualified_arn"): f"{resource_arn}:1",
        ("aws_lambda_function", "version"): "1",
        ("aws_lambda_function", "last_modified"): "2026-01-01T00:00:00.000+0000",
        ("aws_lambda_layer_version", "layer_arn"): resource_arn.rsplit(":", 1)[0],
        ("aws_lambda_layer_version", "version"): "1",
        ("aws_apigatewayv2_api", "api_endpoint"): f"https://{resource_id}.execute-api.{r}.{account.dns_suffix}",
        ("aws_apigatewayv2_api", "execution_arn"): f"arn:{p}:execute-api:{r}:{a}:{resource_id}",
        ("aws_apigatewayv2_stage", "invoke_url"): (
            f"https://{config.get('api_id')}.execute-api.{r}.{account.dns_suffix}/{resource_id}"
        ),
        ("aws_cloudfront_distribution", "domain_name"): f"d{short_hash(seed, 13)}.cloudfront.net",
        ("aws_cloudfront_distribution", "hosted_zone_id"): "Z2FDTNDATAQYW2",
        ("aws_cloudfront_distribution", "etag"): short_hash(seed + "etag", 14).upper(),
        ("aws_s3_bucket", "bucket_domain_name"): f"{resource_id}.s3.{account.dns_suffix}",
        ("aws_s3_bucket", "bucket_regional_domain_name"): f"{resource_id}.s3.{r}.{account.dns_suffix}",
        ("aws_s3_bucket", "hosted_zone_id"): "Z3AQBSTGFYJSTF",
        ("aws_sqs_queue", "url"): _queue_url(config, resource_type, seed, account),
        ("aws_kms_key", "key_id"): resource_id,
        ("aws_iam_role", "unique_id"): "AROA" + short_hash(seed, 17).upper(),
        ("aws_sfn_state_machine", "state_machine_version_arn"): "",
    }
    if (resource_type, attribute) in special:
        return special[(resource_type, attribute)]
    if attribute.endswith("_arn") and cty_type == "string":
        return f"{resource_arn}/{attribute.removesuffix('_arn')}"
    return placeholder(cty_type, f"{seed}.{attribute}")
