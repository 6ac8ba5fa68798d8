"""What the local stack builds, read from Terraform's own render: ``terraform apply`` of the root module with the
stand-in hashicorp/aws (``pipeline_dev.standin_aws``), then ``terraform show -json``. Nothing here reads HCL or
a template: a change to any ``.tf`` file or template reaches the local stack with no Python change.

The state is cached under ``.cache/local-stack/`` by a digest of everything Terraform reads (the ``.tf`` files,
``modules/``, ``state_machine/``) and of the variables, so a warm ``make up`` does not run Terraform again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_dev.paths import REPO_ROOT
from pipeline_dev.provider_schema import PROVIDER_VERSION
from pipeline_dev.terraform_workspace import Workspace, resources

CACHE = REPO_ROOT / ".cache" / "local-stack"
# What Terraform reads for the root module; the digest of these decides whether a cached render is current.
TERRAFORM_INPUTS = ("modules", "state_machine")
RENDER_FORMAT = 1


class RenderError(RuntimeError):
    """Terraform refused the configuration (its own message follows) or is not installed."""


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    trust_policy: str
    policies: dict[str, str]  # inline policy name -> document, as Terraform rendered it


@dataclass(frozen=True)
class Function:
    name: str
    arn: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_seconds: int
    reserved_concurrency: int | None
    environment: dict[str, str]
    role_arn: str
    log_group: str


@dataclass(frozen=True)
class StateMachine:
    name: str
    arn: str
    definition: str
    role_arn: str
    workflow_type: str
    log_group_arn: str | None


@dataclass(frozen=True)
class Target:
    rule: str
    arn: str
    role_arn: str | None
    input_paths: dict[str, str]
    input_template: str
    dead_letter_arn: str | None
    maximum_retry_attempts: int | None
    maximum_event_age_seconds: int | None


@dataclass(frozen=True)
class Rule:
    name: str
    event_pattern: str
    enabled: bool
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Api:
    route_key: str
    request_parameters: dict[str, str]  # StateMachineArn, Input
    role_arn: str


@dataclass(frozen=True)
class Buckets:
    originals: str
    resized: str
    versioned: tuple[str, ...]
    eventbridge: tuple[str, ...]  # buckets whose notifications go to EventBridge


@dataclass(frozen=True)
class Cdn:
    domain_name: str
    # The CloudFront Function on the default cache behaviour (negotiation), and the events it is associated with.
    function_code: str | None
    function_runtime: str | None
    function_events: tuple[str, ...]


@dataclass(frozen=True)
class Rendered:
    function: Function
    layer_runtimes: tuple[str, ...]
    roles: dict[str, Role]  # ARN -> role
    state_machines: dict[str, StateMachine]  # name -> machine
    rules: dict[str, Rule]
    queues: dict[str, str]  # name -> ARN
    log_groups: tuple[str, ...]
    buckets: Buckets
    api: Api | None
    cdn: Cdn | None = None
    outputs: dict[str, Any] = field(default_factory=dict)  # what `terraform output -json` would print, by name
    variables: dict[str, Any] = field(default_factory=dict)

    def machine_by_arn(self, arn: str) -> StateMachine:
        return next(m for m in self.state_machines.values() if m.arn == arn)


def render(variables: dict[str, Any], source: Path = REPO_ROOT, cache: Path | None = CACHE) -> Rendered:
    """The root module in ``source`` applied with ``variables`` by Terraform core (stand-in provider)."""
    digest = _digest(variables, source)
    cached = cache / f"render-{digest}.json" if cache is not None else None
    if cached is not None and cached.exists():
        return parse(json.loads(cached.read_text(encoding="utf-8")), variables)
    if shutil.which("terraform") is None:
        raise RenderError("terraform is not on PATH (install Terraform >= 1.9): the local stack runs its render")
    with tempfile.TemporaryDirectory(prefix="image-resizer-render-") as tmp:
        workspace = Workspace.create(Path(tmp) / "root", source=source, parts=TERRAFORM_INPUTS)
        workspace.write_variables(".", variables)
        for args in (("init",), ("apply", "-auto-approve")):
            completed = workspace.terraform(".", *args, check=False)
            if completed.returncode != 0:
                raise RenderError(_first_error(completed.stderr or completed.stdout))
        state = workspace.state(".")
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        partial.write_text(json.dumps(state), encoding="utf-8")
        partial.replace(cached)  # atomic: parallel test workers may render the same configuration
    return parse(state, variables)


def _first_error(text: str) -> str:
    """Terraform's first error on one line: its summary and the message after the source snippet."""
    lines = [line.strip().lstrip("│╷╵").strip() for line in text.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("Error:")), None)
    if start is None:
        return " ".join(line for line in lines if line)[:500] or "terraform failed"
    paragraphs: list[list[str]] = [[]]
    for line in lines[start:]:
        if line.startswith("Error:") and paragraphs[-1] and len(paragraphs) > 1:
            break  # the next error
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    summary = " ".join(paragraphs[0])
    details = [
        " ".join(p)
        for p in paragraphs[1:]
        if p and not p[0].startswith("on ") and not p[0].startswith("This was checked")
    ]
    return f"{summary}: {details[0]}" if details else summary


def _digest(variables: dict[str, Any], source: Path) -> str:
    hasher = hashlib.sha256(f"{RENDER_FORMAT} {PROVIDER_VERSION} {json.dumps(variables, sort_keys=True)}".encode())
    files = sorted(source.glob("*.tf"))
    for part in TERRAFORM_INPUTS:
        files.extend(sorted(p for p in (source / part).rglob("*") if p.is_file()))
    for path in files:
        hasher.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()[:24]


def _managed(state: dict[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    for resource in resources(state):
        if resource["mode"] == "managed" and resource["type"] == kind:
            yield resource["values"]


def _one(state: dict[str, Any], kind: str) -> dict[str, Any]:
    (values,) = _managed(state, kind)
    return values


def _block(values: dict[str, Any], name: str) -> dict[str, Any] | None:
    blocks = values.get(name) or []
    return blocks[0] if blocks else None


def parse(state: dict[str, Any], variables: dict[str, Any]) -> Rendered:
    function = _one(state, "aws_lambda_function")
    environment = _block(function, "environment") or {}
    logging = _block(function, "logging_config") or {}
    reserved = function.get("reserved_concurrent_executions")
    roles: dict[str, Role] = {}
    inline: dict[str, dict[str, str]] = {}
    for policy in _managed(state, "aws_iam_role_policy"):
        inline.setdefault(policy["role"], {})[policy["name"]] = policy["policy"]
    for role in _managed(state, "aws_iam_role"):
        roles[role["arn"]] = Role(role["name"], role["arn"], role["assume_role_policy"], inline.get(role["name"], {}))
    machines = {}
    for machine in _managed(state, "aws_sfn_state_machine"):
        logging_configuration = _block(machine, "logging_configuration") or {}
        machines[machine["name"]] = StateMachine(
            machine["name"],
            machine["arn"],
            machine["definition"],
            machine["role_arn"],
            machine.get("type") or "STANDARD",
            logging_configuration.get("log_destination"),
        )
    targets: dict[str, list[Target]] = {}
    for target in _managed(state, "aws_cloudwatch_event_target"):
        transformer = _block(target, "input_transformer") or {}
        dead_letter = _block(target, "dead_letter_config") or {}
        retry = _block(target, "retry_policy") or {}
        targets.setdefault(target["rule"], []).append(
            Target(
                target["rule"],
                target["arn"],
                target.get("role_arn"),
                dict(transformer.get("input_paths") or {}),
                transformer.get("input_template") or "",
                dead_letter.get("arn"),
                retry.get("maximum_retry_attempts"),
                retry.get("maximum_event_age_in_seconds"),
            )
        )
    rules = {
        rule["name"]: Rule(
            rule["name"],
            rule["event_pattern"],
            rule.get("state") != "DISABLED" and rule.get("is_enabled") is not False,
            tuple(targets.get(rule["name"], ())),
        )
        for rule in _managed(state, "aws_cloudwatch_event_rule")
    }
    bucket_names = {values["bucket"] for values in _managed(state, "aws_s3_bucket")}
    environment_variables = dict(environment.get("variables") or {})
    originals, resized = environment_variables["SOURCE_BUCKET"], environment_variables["RESIZED_BUCKET"]
    assert {originals, resized} <= bucket_names, "the function's buckets are not the ones Terraform creates"
    versioned = tuple(
        v["bucket"]
        for v in _managed(state, "aws_s3_bucket_versioning")
        if (_block(v, "versioning_configuration") or {}).get("status") == "Enabled"
    )
    eventbridge = tuple(v["bucket"] for v in _managed(state, "aws_s3_bucket_notification") if v.get("eventbridge"))
    api = None
    integrations = list(_managed(state, "aws_apigatewayv2_integration"))
    if integrations:
        (integration,) = integrations
        (route,) = _managed(state, "aws_apigatewayv2_route")
        api = Api(route["route_key"], dict(integration["request_parameters"]), integration["credentials_arn"])
    layer_runtimes = tuple(
        runtime for layer in _managed(state, "aws_lambda_layer_version") for runtime in layer["compatible_runtimes"]
    )
    return Rendered(
        cdn=_cdn(state),
        function=Function(
            name=function["function_name"],
            arn=function["arn"],
            handler=function["handler"],
            runtime=function["runtime"],
            memory_mb=int(function["memory_size"]),
            timeout_seconds=int(function["timeout"]),
            reserved_concurrency=None if reserved in (None, -1) else int(reserved),
            environment=environment_variables,
            role_arn=function["role"],
            log_group=logging.get("log_group") or f"/aws/lambda/{function['function_name']}",
        ),
        layer_runtimes=layer_runtimes,
        roles=roles,
        state_machines=machines,
        rules=rules,
        queues={q["name"]: q["arn"] for q in _managed(state, "aws_sqs_queue")},
        log_groups=tuple(g["name"] for g in _managed(state, "aws_cloudwatch_log_group")),
        buckets=Buckets(originals, resized, versioned, eventbridge),
        api=api,
        outputs={name: output["value"] for name, output in state.get("values", {}).get("outputs", {}).items()},
        variables=dict(variables),
    )


def _cdn(state: dict[str, Any]) -> Cdn | None:
    distributions = list(_managed(state, "aws_cloudfront_distribution"))
    if not distributions:
        return None
    (distribution,) = distributions
    (behaviour,) = distribution["default_cache_behavior"]
    functions = list(_managed(state, "aws_cloudfront_function"))
    function = functions[0] if functions else None
    return Cdn(
        domain_name=distribution["domain_name"],
        function_code=function["code"] if function else None,
        function_runtime=function["runtime"] if function else None,
        function_events=tuple(a["event_type"] for a in behaviour.get("function_association") or ()),
    )
