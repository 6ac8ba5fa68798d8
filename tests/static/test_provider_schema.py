"""Our offline `terraform validate`: the repository's Terraform passes against hashicorp/aws 6.25.0's schema,
and broken Terraform of every kind it is meant to catch is rejected."""

from __future__ import annotations

import re
import textwrap

import pytest
from pipeline_dev.provider_schema import PROVIDER_VERSION, cached_schema
from pipeline_dev.terraform import load_file
from pipeline_dev.tfvalidate import validate_module, validate_tree

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def schema():
    built = cached_schema()
    if built is None:
        pytest.skip("provider schema not built: run `make test` (python -m pipeline_dev.provider_schema)")
    return built


def problems_of(tmp_path, schema, main: str, extra: dict[str, str] | None = None) -> list[str]:
    (tmp_path / "main.tf").write_text(textwrap.dedent(main))
    for name, text in (extra or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return validate_module(tmp_path, schema)


@pytest.fixture(scope="module")
def deprecations(schema):
    from pipeline_dev.deprecations import DEPRECATIONS_FILE

    if not DEPRECATIONS_FILE.exists():
        pytest.skip("deprecation map not built: run `make test` (python -m pipeline_dev.deprecations)")
    import json

    return json.loads(DEPRECATIONS_FILE.read_text())


def test_the_repository_terraform_is_valid(schema, deprecations):
    assert validate_tree(REPO_ROOT, schema, deprecations) == []


def test_examples_are_validated_too(schema, deprecations):
    examples = sorted(p.name for p in (REPO_ROOT / "examples").iterdir() if p.is_dir())
    assert examples == ["complete", "minimal"]
    for name in examples:
        assert validate_module(REPO_ROOT / "examples" / name, schema, deprecations) == []


def test_deprecated_attributes_are_reported(tmp_path, schema, deprecations):
    (tmp_path / "main.tf").write_text(
        textwrap.dedent(
            """
            data "aws_region" "current" {}
            resource "aws_s3_bucket" "b" {
              bucket = "x"
              acl    = "private"
            }
            output "region" { value = data.aws_region.current.name }
            """
        )
    )
    problems = validate_module(tmp_path, schema, deprecations)
    assert any(
        "data.aws_region.*.name, which is deprecated: name is deprecated. Use region instead." in p for p in problems
    )
    assert any("aws_s3_bucket.b: 'acl' is deprecated" in p for p in problems)
    (tmp_path / "main.tf").write_text(
        'data "aws_region" "current" {}\noutput "r" { value = data.aws_region.current.region }\n'
    )
    assert validate_module(tmp_path, schema, deprecations) == []


def test_every_type_the_repository_uses_is_covered_by_the_deprecation_map(deprecations):
    used = set()
    for path in REPO_ROOT.glob("**/*.tf"):
        if ".terraform" not in path.parts:
            used |= set(re.findall(r'(?:resource|data) "(aws_\w+)"', path.read_text()))
    assert used and not (used & set(deprecations["unmapped"]))


def test_schema_is_the_documented_provider_and_versions_tf_admits_it(schema):
    assert schema["provider_version"] == PROVIDER_VERSION
    assert len(schema["resources"]) > 1000 and len(schema["data_sources"]) > 400
    constraint = load_file(REPO_ROOT / "versions.tf")["terraform"][0]["required_providers"][0]["aws"]["version"]
    low, high = (int(n) for n in re.findall(r"(\d+)\.0", constraint))
    assert low <= int(PROVIDER_VERSION.split(".")[0]) < high


def test_unknown_resource_type(tmp_path, schema):
    problems = problems_of(tmp_path, schema, 'resource "aws_s3_buckets" "b" {\n  bucket = "x"\n}\n')
    assert problems == [
        f"{tmp_path.name}: aws_s3_buckets.b: resource type 'aws_s3_buckets' does not exist in "
        "hashicorp/aws 6.25.0 (did you mean 'aws_s3_bucket'?)"
    ]


def test_misspelled_argument(tmp_path, schema):
    problems = problems_of(tmp_path, schema, 'resource "aws_s3_bucket" "b" {\n  buckett = "x"\n}\n')
    assert len(problems) == 1 and "unknown argument 'buckett' (did you mean 'bucket'?)" in problems[0]


def test_missing_required_argument(tmp_path, schema):
    problems = problems_of(
        tmp_path,
        schema,
        """
        resource "aws_lambda_function" "f" {
          function_name = "f"
          handler       = "h.handler"
          runtime       = "python3.12"
        }
        """,
    )
    assert problems == [f"{tmp_path.name}: aws_lambda_function.f: missing required argument 'role'"]


def test_missing_required_block(tmp_path, schema):
    problems = problems_of(tmp_path, schema, 'resource "aws_s3_bucket_versioning" "v" {\n  bucket = "b"\n}\n')
    assert any("missing required block 'versioning_configuration'" in p for p in problems)


def test_wrong_nested_block_and_nested_arguments_at_depth(tmp_path, schema):
    problems = problems_of(
        tmp_path,
        schema,
        """
        resource "aws_lambda_function" "f" {
          function_name = "f"
          role          = "arn:aws:iam::123456789012:role/r"
          tracing {
            mode = "Active"
          }
          environment {
            vars = {}
          }
        }
        resource "aws_cloudwatch_event_target" "t" {
          rule = "r"
          arn  = "arn:aws:states:us-east-1:123456789012:stateMachine:s"
          input_transformer {
            input_paths = {}
          }
        }
        """,
    )
    joined = "\n".join(problems)
    assert "aws_lambda_function.f: unknown block 'tracing'" in joined
    assert "aws_lambda_function.f.environment: unknown argument 'vars' (did you mean 'variables'?)" in joined
    assert "aws_cloudwatch_event_target.t.input_transformer: missing required argument 'input_template'" in joined


def test_dynamic_blocks_are_checked(tmp_path, schema):
    problems = problems_of(
        tmp_path,
        schema,
        """
        data "aws_iam_policy_document" "p" {
          dynamic "statment" {
            for_each = [1]
            content {
              actions = ["s3:GetObject"]
            }
          }
          dynamic "statement" {
            for_each = [1]
            content {
              actions   = ["s3:GetObject"]
              resourcez = ["*"]
            }
          }
        }
        """,
    )
    joined = "\n".join(problems)
    assert "dynamic block 'statment' is not a block of this type (did you mean 'statement'?)" in joined
    assert "data.aws_iam_policy_document.p.dynamic.statement: unknown argument 'resourcez'" in joined


def test_undeclared_references(tmp_path, schema):
    problems = problems_of(
        tmp_path,
        schema,
        """
        variable "name" {
          type        = string
          description = "n"
        }
        resource "aws_s3_bucket" "b" {
          bucket = "${var.nmae}-${local.suffix}"
          tags   = { other = aws_s3_bucket.missing.id, region = data.aws_region.here.name }
        }
        """,
    )
    assert set(problems) == {
        f"{tmp_path.name}: reference to undeclared variable var.nmae",
        f"{tmp_path.name}: reference to undeclared local.suffix",
        f"{tmp_path.name}: reference to undeclared resource aws_s3_bucket.missing",
        f"{tmp_path.name}: reference to undeclared data.aws_region.here",
    }


def test_module_calls_and_outputs(tmp_path, schema):
    child = {
        "child/variables.tf": """
            variable "needed" {
              type        = string
              description = "required"
            }
            variable "optional" {
              type        = string
              description = "has a default"
              default     = "x"
            }
        """,
        "child/outputs.tf": """
            output "arn" {
              description = "an output"
              value       = "x"
            }
        """,
    }
    problems = problems_of(
        tmp_path,
        schema,
        """
        module "child" {
          source   = "./child"
          optinal  = "typo"
        }
        output "wrong" {
          description = "bad output reference"
          value       = module.child.name
        }
        output "right" {
          description = "good output reference"
          value       = module.child.arn
        }
        """,
        child,
    )
    assert set(problems) == {
        f"{tmp_path.name}: module.child has no output 'name'",
        f"{tmp_path.name}: module.child passes 'optinal', which ./child does not declare",
        f"{tmp_path.name}: module.child omits required variable 'needed'",
    }
