"""The local stack: moto's server on 127.0.0.1 with the shims, holding what ``terraform apply`` of the root module
renders (``pipeline_dev.local.rendered``): buckets, roles and their policies, the function's configuration, the
state machines' definitions, the EventBridge rules and targets, the queue, the API route. IAM is enforced by
moto where it can be, and judged against the rendered policies where it cannot (``pipeline_dev.local.iam``)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.exceptions import ClientError
from moto.logs.models import logs_backends
from moto.server import ThreadedMotoServer

from pipeline_dev.lambda_runtime import host_architecture, host_python_version, unpack
from pipeline_dev.local import iam, shims
from pipeline_dev.local.api import StartApi
from pipeline_dev.local.cdn import LocalCdn, ViewerFunction
from pipeline_dev.local.rendered import Rendered, render
from pipeline_dev.local.worker import FunctionConfig, WorkerPool
from pipeline_dev.paths import REPO_ROOT

ACCOUNT = "123456789012"
REGION = "us-east-1"
# An administrator's keys (pipeline_dev.local.iam): what `make up` prints and the tests' clients use.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": REGION}
PYTHON312_CANDIDATES = (str(Path.home() / ".pyenv" / "versions" / "3.12.1" / "bin" / "python3.12"), "python3.12")


@dataclass
class StackSettings:
    """The root module's variables for the local stack; Terraform renders the rest."""

    port: int = 0  # 0: any free port
    api_port: int = 0
    cdn_port: int = 0  # the CDN stand-in, when the render has a distribution (enable_cdn)
    originals_bucket: str = "local-originals"
    resized_bucket: str = "local-resized"
    name: str = "image-resizer"
    variants: dict[str, Any] | None = None  # None: Terraform's default
    timeout_seconds: int | None = None  # None: Terraform's default
    memory_mb: int | None = None
    delete_variants_on_source_delete: bool = False
    enable_events: bool = False
    variables: dict[str, Any] = field(default_factory=dict)  # any other root module variable
    terraform_root: Path = REPO_ROOT  # a copy of the repository to render instead of this one
    max_workers: int = 4
    # Test-only overlays on what Terraform rendered, for fault tests that need what no variable sets: the Task's
    # TimeoutSeconds below the function's timeout, and extra environment variables for the function.
    task_timeout_seconds: int | None = None
    extra_environment: dict[str, str] = field(default_factory=dict)

    def terraform_variables(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "region": REGION,
            "name": self.name,
            "originals_bucket_name": self.originals_bucket,
            "resized_bucket_name": self.resized_bucket,
            "delete_variants_on_source_delete": self.delete_variants_on_source_delete,
            "enable_events": self.enable_events,
        }
        if self.variants is not None:
            values["variants"] = self.variants
        if self.timeout_seconds is not None:
            values["timeout"] = self.timeout_seconds
        if self.memory_mb is not None:
            values["memory_size"] = self.memory_mb
        return {**values, **self.variables}


def lambda_python_and_artifacts() -> tuple[str, Path]:
    """The runtime's Python (3.12) with dist/<arch>/ when this machine has it; else this machine's Python
    with artifacts built for it (build/host/), so the worker can import the layer's compiled modules."""
    arch = host_architecture()
    for candidate in PYTHON312_CANDIDATES:
        found = _real_python(candidate, "3.12")
        if found:
            return found, _ensure_artifacts(REPO_ROOT / "dist" / arch, arch, "3.12")
    return sys.executable, _ensure_artifacts(REPO_ROOT / "build" / "host", arch, host_python_version())


def _real_python(candidate: str, version: str) -> str | None:
    """The interpreter behind ``candidate`` if it runs and is ``version`` (a pyenv shim may do neither)."""
    path = shutil.which(candidate) or (candidate if Path(candidate).exists() else None)
    if path is None:
        return None
    probe = subprocess.run(
        [path, "-c", "import sys; print(sys.executable); print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = probe.stdout.split()
    return lines[0] if probe.returncode == 0 and len(lines) == 2 and lines[1] == version else None


def _ensure_artifacts(directory: Path, arch: str, python: str) -> Path:
    """Build the artifacts when missing or when function.zip no longer matches lambda_src/ (never run stale code)."""
    if not (directory / "layer.zip").exists() or not _function_zip_is_current(directory / "function.zip"):
        print(
            f"building the Lambda artifacts for {arch} / Python {python} into {directory} (the first time, this "
            "downloads the pinned wheels from the package index: about a minute)",
            file=sys.stderr,
            flush=True,
        )
        subprocess.run(
            [
                sys.executable,
                str(REPO_ROOT / "scripts" / "build_lambda.py"),
                "--arch",
                arch,
                "--python",
                python,
                "--out",
                str(directory),
            ],
            check=True,
        )
    return directory


def _function_zip_is_current(function_zip: Path) -> bool:
    if not function_zip.exists():
        return False
    package = REPO_ROOT / "lambda_src"
    sources = {p.relative_to(package).as_posix(): p.read_bytes() for p in (package / "image_resizer").rglob("*.py")}
    with zipfile.ZipFile(function_zip) as archive:
        # The sources decide; the bytecode beside them is compiled from them by the same build.
        packed = {name: archive.read(name) for name in archive.namelist() if name.endswith(".py")}
    return packed == sources


class ServiceRoleError(RuntimeError):
    """A service acted for a role whose rendered policy does not allow it: on AWS that call is refused."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__("calls the rendered policies do not allow: " + "; ".join(violations))
        self.violations = violations


class LocalStack:
    def __init__(self, settings: StackSettings | None = None) -> None:
        self.settings = settings or StackSettings()
        self._server: ThreadedMotoServer | None = None
        self._api: StartApi | None = None
        self._cdn: LocalCdn | None = None
        self._pool: WorkerPool | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="image-resizer-local-"))
        self.endpoint_url = ""
        self.state_machine_arn = ""
        self.function_name = self.settings.name
        self.dead_letter_queue_url = ""
        self.cleanup_state_machine_arn = ""
        self.rendered: Rendered | None = None
        self.service_roles: iam.ServiceRoles | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        """Render with Terraform first (a refused configuration stops here, before any server starts)."""
        settings = self.settings
        rendered = render(settings.terraform_variables(), settings.terraform_root)
        self.rendered = rendered
        self.function_name = rendered.function.name
        self.service_roles = iam.ServiceRoles(rendered)
        # Before any server starts: code that does not load (or no Node) stops here, with nothing to clean up.
        code = rendered.cdn.function_code if rendered.cdn is not None else None
        viewer_function = ViewerFunction(code) if code is not None else None
        shims.install()
        for noisy in ("werkzeug", "moto.stepfunctions"):  # request lines and interpreter tracebacks
            logging.getLogger(noisy).setLevel(logging.CRITICAL)
        iam.enforce(False)  # the stack's own setup, as Terraform's apply would do it with a deployer's rights
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=settings.port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        os.environ["MOTO_PORT"] = str(port)  # moto's ASL interpreter calls its own services there
        # moto's backends are process-wide: a stack starts from nothing, even after another one in this process.
        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()
        requests.post(
            f"{self.endpoint_url}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        ).raise_for_status()
        iam.create_administrators(self.client("iam"))
        iam.create_roles(self.client("iam"), rendered)
        self._create_storage(rendered)
        function_arn = self._create_function(rendered)
        self._create_orchestration(rendered, function_arn)
        shims.observe_service_calls(self._observe)
        if rendered.api is not None:
            api = rendered.api
            if api.request_parameters.get("Input") != "$request.body":
                raise RuntimeError(f"the API stand-in passes the request body as input, not {api.request_parameters}")
            self._api = StartApi(
                self.client("stepfunctions"),
                api.request_parameters["StateMachineArn"],
                settings.api_port,
                on_start=lambda arn: self._observe(api.role_arn, "states:StartExecution", arn),
            )
            self._api.start()
        if rendered.cdn is not None:
            self._cdn = LocalCdn(
                self.client("s3"),
                rendered.buckets.resized,
                viewer_function,
                rendered.cdn.function_events,
                settings.cdn_port,
            ).start()
        iam.enforce(True)
        return self

    def stop(self) -> None:
        shims.observe_service_calls(None)
        iam.enforce(False)
        if self._api:
            self._api.stop()
        if self._cdn:
            self._cdn.stop()
        if self._pool:
            shims.unregister_function(self.function_name)
            self._pool.close()
        if self._server:
            self._server.stop()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        violations = self.service_role_violations()
        self.stop()
        if violations and error is None:
            raise ServiceRoleError(violations)

    @property
    def cdn_url(self) -> str:
        assert self._cdn is not None, "the rendered configuration has no CDN (enable_cdn = false)"
        return self._cdn.url

    @property
    def api_url(self) -> str:
        assert self._api is not None, "the rendered configuration has no API (enable_api = false)"
        return self._api.url

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def environment_lines(self) -> list[str]:
        """The lines `make up` prints (a contract: scripts and docs/development.md rely on them)."""
        lines = [
            f"AWS_ENDPOINT_URL={self.endpoint_url}",
            f"ORIGINALS_BUCKET={self.settings.originals_bucket}",
            f"RESIZED_BUCKET={self.settings.resized_bucket}",
            f"STATE_MACHINE_ARN={self.state_machine_arn}",
        ]
        lines += [f"API_URL={self.api_url}"] if self._api else []
        return [*lines, f"CDN_URL={self.cdn_url}"] if self._cdn else lines

    def service_role_violations(self) -> list[str]:
        """Calls a service made for a role whose rendered policy does not allow them (see pipeline_dev.local.iam)."""
        return self.service_roles.violations() if self.service_roles else []

    def _observe(self, principal: str, action: str, resource: str) -> bool:
        assert self.service_roles is not None
        allowed = self.service_roles.record(principal, action, resource)
        if not allowed:
            print(f"local stack: {action} on {resource} is not allowed for {principal}", file=sys.stderr)
        return allowed

    # -- what Terraform rendered ----------------------------------------------------------------------------
    def _create_storage(self, rendered: Rendered) -> None:
        s3 = self.client("s3")
        buckets = rendered.buckets
        for bucket in (buckets.originals, buckets.resized):
            s3.create_bucket(Bucket=bucket)
        for bucket in buckets.versioned:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for bucket in buckets.eventbridge:
            s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
            )
        logs = self.client("logs")
        for group in rendered.log_groups:
            logs.create_log_group(logGroupName=group)

    def _create_function(self, rendered: Rendered) -> str:
        function = rendered.function
        settings = self.settings
        python, artifacts = lambda_python_and_artifacts()
        function_zip, layer_zip = artifacts / "function.zip", artifacts / "layer.zip"
        lambda_client = self.client("lambda")
        layer = lambda_client.publish_layer_version(
            LayerName=f"{function.name}-dependencies",
            Content={"ZipFile": layer_zip.read_bytes()},
            CompatibleRuntimes=list(rendered.layer_runtimes) or [function.runtime],
        )["LayerVersionArn"]
        environment = {**function.environment, **settings.extra_environment}
        created = lambda_client.create_function(
            FunctionName=function.name,
            Runtime=function.runtime,
            Role=function.role_arn,
            Handler=function.handler,
            Code={"ZipFile": function_zip.read_bytes()},
            Layers=[layer],
            Timeout=function.timeout_seconds,
            MemorySize=function.memory_mb,
            Environment={"Variables": environment},
        )
        if function.reserved_concurrency is not None:
            lambda_client.put_function_concurrency(
                FunctionName=function.name, ReservedConcurrentExecutions=function.reserved_concurrency
            )
        tree = unpack(function_zip, layer_zip, self._workdir / "sandbox")
        if sys.platform != "linux":
            # The layer holds manylinux wheels, which only Linux can load: off Linux, the worker imports the
            # same pinned dependencies from this environment instead (the function code is still the zip's).
            tree = dataclasses.replace(tree, layer=Path(sysconfig.get_paths()["purelib"]))
        # As Lambda does: the function's calls are signed with its own role's temporary credentials.
        role_credentials = iam.assume(self.client("sts"), function.role_arn, function.name)
        worker_env = {
            **environment,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            **role_credentials,
        }
        config = FunctionConfig(
            name=function.name,
            arn=created["FunctionArn"],
            handler=function.handler,
            tree=tree,
            environment=worker_env,
            timeout_seconds=function.timeout_seconds,
            memory_mb=function.memory_mb,
            python=python,
        )
        self._function_config = config
        self._pool = WorkerPool(config, self._write_logs, max_workers=settings.max_workers)
        self._pool.prewarm(min(2, settings.max_workers))
        shims.register_function(function.name, self._pool)
        return str(created["FunctionArn"])

    def _definition(self, rendered: Rendered, definition: str, function_arn: str) -> str:
        """The rendered definition with its ARNs mapped to the local stack's (equal unless moto names differ),
        and the test-only Task timeout overlay."""
        text = definition.replace(rendered.function.arn, function_arn)
        if self.settings.task_timeout_seconds is None:
            return text
        document = json.loads(text)
        rendered_timeout = rendered.function.timeout_seconds + 10
        for state in _states(document):
            if state.get("Type") == "Task" and state.get("TimeoutSeconds") == rendered_timeout:
                state["TimeoutSeconds"] = self.settings.task_timeout_seconds
        return json.dumps(document)

    def _create_orchestration(self, rendered: Rendered, function_arn: str) -> None:
        sfn = self.client("stepfunctions")
        local_arns = {}
        for machine in rendered.state_machines.values():
            try:
                local_arns[machine.arn] = sfn.create_state_machine(
                    name=machine.name,
                    definition=self._definition(rendered, machine.definition, function_arn),
                    roleArn=machine.role_arn,
                    type=machine.workflow_type,
                )["stateMachineArn"]
            except ClientError as exc:
                if machine.name == self.settings.name:
                    raise
                # moto's ASL parser knows no Distributed Map with EXPRESS children (the backfill workflow):
                # the rest of the stack runs; asl-validator and Terraform's tests judge that definition.
                message = exc.response.get("Error", {}).get("Message", "")[:160]
                print(f"local stack: moto cannot run {machine.name} ({message}); left out", file=sys.stderr)
        sqs = self.client("sqs")
        queue_arns = {}
        for name, arn in rendered.queues.items():
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            queue_arns[arn] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            self.dead_letter_queue_url = url
        events = self.client("events")
        for rule in rendered.rules.values():
            events.put_rule(
                Name=rule.name, EventPattern=rule.event_pattern, State="ENABLED" if rule.enabled else "DISABLED"
            )
            targets = []
            for index, target in enumerate(rule.targets):
                entry: dict[str, Any] = {
                    "Id": f"target-{index}",
                    "Arn": local_arns.get(target.arn, target.arn),
                    "InputTransformer": {"InputPathsMap": target.input_paths, "InputTemplate": target.input_template},
                }
                if target.role_arn:
                    entry["RoleArn"] = target.role_arn
                if target.dead_letter_arn:
                    entry["DeadLetterConfig"] = {"Arn": queue_arns.get(target.dead_letter_arn, target.dead_letter_arn)}
                if target.maximum_retry_attempts is not None:
                    entry["RetryPolicy"] = {
                        "MaximumRetryAttempts": target.maximum_retry_attempts,
                        "MaximumEventAgeInSeconds": target.maximum_event_age_seconds,
                    }
                targets.append(entry)
            if targets:
                events.put_targets(Rule=rule.name, Targets=targets)
        main = rendered.state_machines[self.settings.name]
        self.state_machine_arn = local_arns[main.arn]
        cleanup = rendered.state_machines.get(f"{self.settings.name}-cleanup")
        self.cleanup_state_machine_arn = local_arns[cleanup.arn] if cleanup else ""

    def _write_logs(self, stream: str, lines: list[str]) -> None:
        """Lambda writes the function's logs with the function's role: without its logs permissions, AWS delivers
        nothing (the invocation itself still runs)."""
        assert self.rendered is not None
        function = self.rendered.function
        stream_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{function.log_group}:log-stream:{stream}"
        allowed = [
            self.service_roles.record(function.role_arn, action, stream_arn) if self.service_roles else True
            for action in ("logs:CreateLogStream", "logs:PutLogEvents")
        ]
        if not all(allowed):
            return
        backend = logs_backends[ACCOUNT][REGION]
        with contextlib.suppress(Exception):  # the stream exists after the worker's first invocation
            backend.create_log_stream(function.log_group, stream)
        now = int(time.time() * 1000)
        backend.put_log_events(function.log_group, stream, [{"timestamp": now, "message": line} for line in lines])

    # -- helpers for the demo and the tests ----------------------------------------------------------------
    def update_variants(self, variants: dict[str, Any]) -> None:
        """What `terraform apply` with new variants does: Terraform renders the new function configuration, which
        replaces the old one, with fresh sandboxes."""
        assert self._pool is not None
        self.settings.variants = variants
        rendered = render(self.settings.terraform_variables(), self.settings.terraform_root)
        self.rendered = rendered
        if self.service_roles:
            self.service_roles.update(rendered)
        environment = {**rendered.function.environment, **self.settings.extra_environment}
        lambda_client = self.client("lambda")
        lambda_client.update_function_configuration(
            FunctionName=self.function_name, Environment={"Variables": environment}
        )
        self._pool.close()
        self._function_config = dataclasses.replace(
            self._function_config, environment={**self._function_config.environment, **environment}
        )
        self._pool = WorkerPool(self._function_config, self._write_logs, max_workers=self.settings.max_workers)
        shims.register_function(self.function_name, self._pool)

    def set_rule_enabled(self, enabled: bool) -> None:
        """The rule that starts the main workflow on uploads (Terraform's object-created rule)."""
        assert self.rendered is not None
        main = self.rendered.state_machines[self.settings.name]
        events = self.client("events")
        for rule in self.rendered.rules.values():
            if any(target.arn == main.arn for target in rule.targets):
                (events.enable_rule if enabled else events.disable_rule)(Name=rule.name)

    def put_function_policy(self, document: str) -> None:
        """Replace the function role's policy (what a changed policy in modules/compute does once applied)."""
        assert self.rendered is not None
        role = self.rendered.roles[self.rendered.function.role_arn]
        (name,) = role.policies
        iam.enforce(False)
        try:
            self.client("iam").put_role_policy(RoleName=role.name, PolicyName=name, PolicyDocument=document)
        finally:
            iam.enforce(True)
        changed = dataclasses.replace(role, policies={name: document})
        self.rendered = dataclasses.replace(self.rendered, roles={**self.rendered.roles, role.arn: changed})
        if self.service_roles:
            self.service_roles.update(self.rendered)

    def wait_for_executions(self, count: int, timeout: float = 120.0, poll: float = 0.2) -> list[dict[str, Any]]:
        """Wait until at least ``count`` executions exist and all are terminal; returns their descriptions."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            executions = _all_executions(sfn, self.state_machine_arn)
            if len(executions) >= count and all(e["status"] != "RUNNING" for e in executions):
                return [sfn.describe_execution(executionArn=e["executionArn"]) for e in executions]
            if time.monotonic() > deadline:
                running = [e["name"] for e in executions if e["status"] == "RUNNING"]
                raise TimeoutError(f"{len(executions)}/{count} executions, still running: {running[:5]}")
            time.sleep(poll)


def _states(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every state of a definition, those of Map and Parallel branches included."""
    found = []
    for state in document.get("States", {}).values():
        found.append(state)
        for inner in ("Iterator", "ItemProcessor"):
            if inner in state:
                found.extend(_states(state[inner]))
        for branch in state.get("Branches", []):
            found.extend(_states(branch))
    return found


def _all_executions(sfn: Any, arn: str) -> list[dict[str, Any]]:
    executions: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
        executions.extend(page["executions"])
    return executions
