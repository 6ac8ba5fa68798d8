"""The stand-in renders aws_iam_policy_document as the real provider does (policy_document_data_source.go and
policy_model.go in hashicorp/terraform-provider-aws): what tests and the local stack read as the rendered policy."""

from __future__ import annotations

import json
import zlib

from pipeline_dev.standin_aws.data_sources import policy_document


def statement(**fields):
    base = {
        "sid": None,
        "effect": None,
        "actions": None,
        "not_actions": None,
        "resources": None,
        "not_resources": None,
        "principals": [],
        "not_principals": [],
        "condition": [],
    }
    return {**base, **fields}


def config(*statements, **fields):
    base = {"statement": list(statements), "version": None, "policy_id": None}
    base.update({"source_policy_documents": None, "override_policy_documents": None})
    return {**base, **fields}


def test_one_action_is_a_string_several_are_sorted_in_reverse_and_effect_defaults_to_allow():
    rendered = policy_document(config(statement(actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])))
    (only,) = json.loads(rendered["json"])["Statement"]
    assert only == {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]}
    single = policy_document(config(statement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/*"])))
    assert json.loads(single["json"])["Statement"][0] == {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }


def test_layout_is_gos_indented_json_and_the_id_its_crc32():
    rendered = policy_document(config(statement(sid="A", actions=["s3:GetObject"])))
    assert rendered["json"] == (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "A",\n      "Effect": "Allow",\n'
        '      "Action": "s3:GetObject"\n    }\n  ]\n}'
    )
    assert rendered["minified_json"] == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject"}]}'
    )
    assert rendered["id"] == str(zlib.crc32(rendered["json"].encode()))


def test_principals_star_is_normalised_and_types_merge():
    star = policy_document(config(statement(actions=["s3:*"], principals=[{"type": "*", "identifiers": ["*"]}])))
    assert json.loads(star["json"])["Statement"][0]["Principal"] == "*"
    merged = policy_document(
        config(
            statement(
                actions=["sts:AssumeRole"],
                principals=[
                    {"type": "Service", "identifiers": ["lambda.amazonaws.com"]},
                    {"type": "Service", "identifiers": ["states.amazonaws.com"]},
                    {"type": "AWS", "identifiers": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]},
                ],
            )
        )
    )
    principal = json.loads(merged["json"])["Statement"][0]["Principal"]
    assert principal == {
        "AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"],
        "Service": ["lambda.amazonaws.com", "states.amazonaws.com"],
    }
    assert list(principal) == ["AWS", "Service"]  # Go marshals a map with its keys sorted


def test_conditions_keep_their_values_order_and_one_value_is_a_string():
    rendered = policy_document(
        config(
            statement(
                actions=["kms:Decrypt"],
                condition=[
                    {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["123456789012"]},
                    {"test": "ArnLike", "variable": "aws:SourceArn", "values": ["arn:b", "arn:a"]},
                ],
            )
        )
    )
    condition = json.loads(rendered["json"])["Statement"][0]["Condition"]
    assert condition == {
        "ArnLike": {"aws:SourceArn": ["arn:b", "arn:a"]},
        "StringEquals": {"aws:SourceAccount": "123456789012"},
    }
    assert list(condition) == ["ArnLike", "StringEquals"]


def test_source_documents_come_first_and_overrides_replace_by_sid():
    source = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Keep", "Effect": "Allow", "Action": "a:b"}]})
    override = json.dumps({"Statement": [{"Sid": "Mine", "Effect": "Deny", "Action": "c:d"}]})
    rendered = policy_document(
        config(
            statement(sid="Mine", actions=["e:f"]),
            source_policy_documents=[source],
            override_policy_documents=[override],
        )
    )
    statements = json.loads(rendered["json"])["Statement"]
    assert [(s["Sid"], s["Effect"], s["Action"]) for s in statements] == [
        ("Keep", "Allow", "a:b"),
        ("Mine", "Deny", "c:d"),
    ]


def test_policy_variables_and_gos_html_escaping():
    rendered = policy_document(
        config(statement(actions=["s3:GetObject"], resources=["arn:aws:s3:::b/&{aws:username}/*"]))
    )
    assert '"Resource": "arn:aws:s3:::b/${aws:username}/*"' in rendered["json"]
    escaped = policy_document(config(statement(sid="", actions=["s3:GetObject"], resources=["arn:aws:s3:::a&b<c>"])))
    assert "arn:aws:s3:::a\\u0026b\\u003cc\\u003e" in escaped["json"]
