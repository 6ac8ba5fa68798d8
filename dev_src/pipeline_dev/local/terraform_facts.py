"""What the local stack takes from the Terraform itself, so that both deploy the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline_dev.templates import REPO_ROOT
from pipeline_dev.terraform import blocks, variables


@dataclass(frozen=True)
class InputTransformer:
    input_paths: dict[str, str]
    input_template: str


@dataclass(frozen=True)
class FunctionDefaults:
    runtime: str
    memory_mb: int
    timeout_seconds: int
    handler: str
    variants: dict[str, Any]
    max_source_pixels: int
    max_source_bytes: int
    cache_control: str
    manifest_key: str | None


def event_target_input_transformer(target: str = "state_machine") -> InputTransformer:
    for block in blocks(REPO_ROOT / "modules" / "orchestration"):
        if block.kind == "resource" and block.labels == ("aws_cloudwatch_event_target", target):
            (transformer,) = block.body["input_transformer"]
            template = transformer["input_template"]
            if template.startswith("<<-EOT"):
                template = template.removeprefix("<<-EOT").removesuffix("EOT")
            return InputTransformer(dict(transformer["input_paths"]), template.strip())
    raise LookupError(f"aws_cloudwatch_event_target.{target} not found in modules/orchestration")


def function_defaults() -> FunctionDefaults:
    root = variables(REPO_ROOT)
    handler = next(
        b.body["handler"]
        for b in blocks(REPO_ROOT / "modules" / "compute")
        if b.kind == "resource" and b.labels == ("aws_lambda_function", "this")
    )
    return FunctionDefaults(
        runtime=root["runtime"]["default"],
        memory_mb=int(root["memory_size"]["default"]),
        timeout_seconds=int(root["timeout"]["default"]),
        handler=handler,
        variants=root["variants"]["default"],
        max_source_pixels=int(root["max_source_pixels"]["default"]),
        max_source_bytes=int(root["max_source_bytes"]["default"]),
        cache_control=root["cache_control"]["default"],
        manifest_key=root["manifest_key"]["default"],
    )
