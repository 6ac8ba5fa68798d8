"""Data sources answered as AWS and the real provider would: the policy document rendered to the provider's own
JSON, the caller's identity, the partition and region; any other data source gets typed placeholders.

The policy document follows the provider's ``policy_document_data_source.go`` and ``policy_model.go`` (hashicorp/
terraform-provider-aws, internal/service/iam): statements in order, ``Effect`` defaulting to ``Allow``, a set of
one string written as that string and larger ones sorted in reverse, principals merged by type, condition values in
the order given, source documents merged first and override documents last (a statement with the same ``Sid``
replaced), Go's ``encoding/json`` output (map keys sorted, ``<``, ``>`` and ``&`` escaped) indented by two spaces for
``json`` and compact for ``minified_json``, and the id the CRC-32 of ``json``."""

from __future__ import annotations

import json
import zlib
from typing import Any

from pipeline_dev.standin_aws.shapes import Account, computed_value

_STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal")


def _strings(values: list[str]) -> str | list[str]:
    """One string alone, or the strings sorted in reverse (the provider's policyDecodeConfigStrings)."""
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True)


def _variables(value: str | list[str]) -> str | list[str]:
    # "&{aws:username}" is how HCL writes an IAM policy variable without Terraform interpolating it.
    if isinstance(value, str):
        return value.replace("&{", "${")
    return [item.replace("&{", "${") for item in value]


def _principals(blocks: list[dict[str, Any]]) -> Any:
    entries = [(b["type"], _variables(_strings(list(b["identifiers"] or [])))) for b in blocks]
    if len(entries) == 1 and entries[0][0] == "*" and entries[0][1] in ("*", ["*"]):
        return "*"
    merged: dict[str, Any] = {}
    for kind, identifiers in entries:
        existing = merged.get(kind)
        if isinstance(identifiers, list):
            merged[kind] = ([existing] if isinstance(existing, str) else (existing or [])) + identifiers
        elif existing is None:
            merged[kind] = identifiers
        elif isinstance(existing, str):
            merged[kind] = [existing, identifiers]
        else:
            merged[kind] = [*existing, identifiers]
    return merged


def _conditions(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, list[str]]] = {}
    for block in blocks:
        values = _variables(list(block["values"] or []))
        merged.setdefault(block["test"], {}).setdefault(block["variable"], []).extend(values)
    return {test: {k: v[0] if len(v) == 1 else v for k, v in by.items()} for test, by in merged.items()}


def _statement(config: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": config.get("sid") or "", "Effect": config.get("effect") or "Allow"}
    for key, name in (("Action", "actions"), ("NotAction", "not_actions")):
        if config.get(name):
            statement[key] = _strings(list(config[name]))
    for key, name in (("Resource", "resources"), ("NotResource", "not_resources")):
        if config.get(name):
            statement[key] = _variables(_strings(list(config[name])))
    for key, name in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        if config.get(name):
            statement[key] = _principals(config[name])
    if config.get("condition"):
        statement["Condition"] = _conditions(config["condition"])
    return statement


def _merge(document: dict[str, Any], other: dict[str, Any]) -> None:
    if other.get("Id"):
        document["Id"] = other["Id"]
    if other.get("Version", "") > document.get("Version", ""):
        document["Version"] = other["Version"]
    statements = document.setdefault("Statement", [])
    for statement in other.get("Statement") or []:
        sid = statement.get("Sid") or ""
        same = next((i for i, s in enumerate(statements) if sid and s.get("Sid") == sid), None)
        if same is None:
            statements.append(statement)
        else:
            statements[same] = statement


def _go_json(value: Any, indent: bool) -> str:
    text = json.dumps(
        value, ensure_ascii=False, indent=2 if indent else None, separators=(",", ": ") if indent else (",", ":")
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _ordered(document: dict[str, Any]) -> dict[str, Any]:
    """The document with Go's field order and ``omitempty``: Version, Id, Statement; statement fields in the
    struct's order, then Condition."""
    result: dict[str, Any] = {k: document[k] for k in ("Version", "Id") if document.get(k)}
    statements = []
    for statement in document.get("Statement") or []:
        ordered = {k: statement[k] for k in _STATEMENT_KEYS if statement.get(k)}
        for key in ("Principal", "NotPrincipal"):
            if isinstance(ordered.get(key), dict):
                ordered[key] = dict(sorted(ordered[key].items()))
        if statement.get("Condition"):
            ordered["Condition"] = {
                test: dict(sorted(by.items())) for test, by in sorted(statement["Condition"].items())
            }
        statements.append(ordered)
    if statements:
        result["Statement"] = statements
    return result


def policy_document(config: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for source in config.get("source_policy_documents") or []:
        if source is not None:
            _merge(merged, json.loads(source))
    own = {
        "Version": config.get("version") or "2012-10-17",
        "Id": config.get("policy_id") or "",
        "Statement": [_statement(s) for s in config.get("statement") or []],
    }
    _merge(merged, own)
    for override in config.get("override_policy_documents") or []:
        if override is not None:
            _merge(merged, json.loads(override))
    document = _ordered(merged)
    rendered = _go_json(document, indent=True)
    return {
        **config,
        "json": rendered,
        "minified_json": _go_json(document, indent=False),
        "id": str(zlib.crc32(rendered.encode())),
    }


# Service Quotas defaults for the quotas this project reads ("Lambda quotas", AWS Lambda Developer Guide).
DEFAULT_QUOTAS = {("lambda", "L-B99A9384"): 1000.0}


def read(data_type: str, config: dict[str, Any], schema: dict[str, Any], account: Account) -> dict[str, Any]:
    p, r, a = account.partition, account.region, account.account_id
    if data_type == "aws_iam_policy_document":
        return policy_document(config)
    answers: dict[str, dict[str, Any]] = {
        "aws_caller_identity": {
            "id": a,
            "account_id": a,
            "arn": f"arn:{p}:iam::{a}:user/standin",
            "user_id": "AIDASTANDIN00000000000",
        },
        "aws_partition": {
            "id": p,
            "partition": p,
            "dns_suffix": account.dns_suffix,
            "reverse_dns_prefix": ".".join(reversed(account.dns_suffix.split("."))),
        },
        "aws_region": {
            "id": config.get("region") or r,
            "region": config.get("region") or r,
            "name": config.get("region") or r,
            "endpoint": f"ec2.{config.get('region') or r}.{account.dns_suffix}",
            "description": config.get("region") or r,
        },
    }
    known = dict(answers.get(data_type, {}))
    if data_type == "aws_servicequotas_service_quota":
        value = DEFAULT_QUOTAS.get((config.get("service_code") or "", config.get("quota_code") or ""), 1.0)
        known = {"value": value, "default_value": value, "adjustable": True, "global_quota": False}
    result = dict(config)
    for name, attribute in schema["attributes"].items():
        if result.get(name) is not None:
            continue
        if name in known:
            result[name] = known[name]
        elif attribute["computed"]:
            result[name] = computed_value(data_type, config, name, attribute["type"], data_type, account, {})
    return result
