"""The local stack: moto's server on 127.0.0.1 with the shims, and everything Terraform creates, made from
the same files (ASL template, event pattern, input transformer, built zips, default settings)."""

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
from moto.logs.models import logs_backends
from moto.server import ThreadedMotoServer

from pipeline_dev.lambda_runtime import host_architecture, host_python_version, unpack
from pipeline_dev.local import shims
from pipeline_dev.local.api import StartApi
from pipeline_dev.local.terraform_facts import event_target_input_transformer, function_defaults
from pipeline_dev.local.worker import FunctionConfig, WorkerPool
from pipeline_dev.templates import (
    CLEANUP_TEMPLATE,
    DELETED_PATTERN_TEMPLATE,
    REPO_ROOT,
    render_event_pattern,
    render_state_machine,
)

ACCOUNT = "123456789012"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": REGION}
PYTHON312_CANDIDATES = (str(Path.home() / ".pyenv" / "versions" / "3.12.1" / "bin" / "python3.12"), "python3.12")


@dataclass
class StackSettings:
    port: int = 0  # 0: any free port
    api_port: int = 0
    originals_bucket: str = "local-originals"
    resized_bucket: str = "local-resized"
    name: str = "image-resizer"
    variants: dict[str, Any] | None = None  # None: Terraform's default
    timeout_seconds: int | None = None  # None: Terraform's default
    # The Task's TimeoutSeconds; None: as the root module (function timeout + 10). Tests of the state machine's
    # own timeout path set it below the function's.
    task_timeout_seconds: int | None = None
    memory_mb: int | None = None
    extra_environment: dict[str, str] = field(default_factory=dict)
    delete_variants_on_source_delete: bool = False  # as the Terraform variable: the cleanup state machine
    enable_events: bool = False  # as the Terraform variable: Image Variants Ready/Failed on the default bus
    max_workers: int = 4


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


class LocalStack:
    def __init__(self, settings: StackSettings | None = None) -> None:
        self.settings = settings or StackSettings()
        self._server: ThreadedMotoServer | None = None
        self._api: StartApi | None = None
        self._pool: WorkerPool | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="image-resizer-local-"))
        self.endpoint_url = ""
        self.state_machine_arn = ""
        self.function_name = self.settings.name
        self.dead_letter_queue_url = ""
        self.cleanup_state_machine_arn = ""

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> LocalStack:
        shims.install()
        for noisy in ("werkzeug", "moto.stepfunctions"):  # request lines and interpreter tracebacks
            logging.getLogger(noisy).setLevel(logging.CRITICAL)
        settings = self.settings
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
        self._create_storage()
        function_arn = self._create_function()
        self._create_orchestration(function_arn)
        self._api = StartApi(self.client("stepfunctions"), self.state_machine_arn, settings.api_port)
        self._api.start()
        return self

    def stop(self) -> None:
        if self._api:
            self._api.stop()
        if self._pool:
            shims.unregister_function(self.function_name)
            self._pool.close()
        if self._server:
            self._server.stop()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        assert self._api is not None
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
        """The lines `make up` prints (a contract: scripts and the README rely on them)."""
        return [
            f"AWS_ENDPOINT_URL={self.endpoint_url}",
            f"ORIGINALS_BUCKET={self.settings.originals_bucket}",
            f"RESIZED_BUCKET={self.settings.resized_bucket}",
            f"STATE_MACHINE_ARN={self.state_machine_arn}",
            f"API_URL={self.api_url}",
        ]

    # -- what Terraform creates ---------------------------------------------------------------------------
    def _create_storage(self) -> None:
        s3 = self.client("s3")
        for bucket in (self.settings.originals_bucket, self.settings.resized_bucket):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=self.settings.originals_bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_notification_configuration(
            Bucket=self.settings.originals_bucket,
            NotificationConfiguration={"EventBridgeConfiguration": {}},
        )

    def _create_function(self) -> str:
        defaults = function_defaults()
        settings = self.settings
        python, artifacts = lambda_python_and_artifacts()
        function_zip, layer_zip = artifacts / "function.zip", artifacts / "layer.zip"
        logs = self.client("logs")
        logs.create_log_group(logGroupName=f"/aws/lambda/{self.function_name}")
        iam = self.client("iam")
        role = iam.create_role(
            RoleName=f"{self.function_name}-role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        lambda_client = self.client("lambda")
        layer = lambda_client.publish_layer_version(
            LayerName=f"{self.function_name}-dependencies",
            Content={"ZipFile": layer_zip.read_bytes()},
            CompatibleRuntimes=[defaults.runtime],
        )["LayerVersionArn"]
        variants = settings.variants if settings.variants is not None else defaults.variants
        environment = {
            "SOURCE_BUCKET": settings.originals_bucket,
            "RESIZED_BUCKET": settings.resized_bucket,
            "VARIANTS": json.dumps(variants),
            "MAX_SOURCE_PIXELS": str(defaults.max_source_pixels),
            "MAX_SOURCE_BYTES": str(defaults.max_source_bytes),
            "CACHE_CONTROL": defaults.cache_control,
            "MANIFEST_KEY": defaults.manifest_key or "null",
            "POWERTOOLS_SERVICE_NAME": "image-resizer",
            "POWERTOOLS_METRICS_NAMESPACE": "ImageResizer",
            **settings.extra_environment,
        }
        timeout = settings.timeout_seconds or defaults.timeout_seconds
        memory = settings.memory_mb or defaults.memory_mb
        function = lambda_client.create_function(
            FunctionName=self.function_name,
            Runtime=defaults.runtime,
            Role=role,
            Handler=defaults.handler,
            Code={"ZipFile": function_zip.read_bytes()},
            Layers=[layer],
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": environment},
        )
        tree = unpack(function_zip, layer_zip, self._workdir / "sandbox")
        if sys.platform != "linux":
            # The layer holds manylinux wheels, which only Linux can load: off Linux, the worker imports the
            # same pinned dependencies from this environment instead (the function code is still the zip's).
            tree = dataclasses.replace(tree, layer=Path(sysconfig.get_paths()["purelib"]))
        worker_env = {
            **environment,
            **CREDENTIALS,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint_url,
        }
        config = FunctionConfig(
            name=self.function_name,
            arn=function["FunctionArn"],
            handler=defaults.handler,
            tree=tree,
            environment=worker_env,
            timeout_seconds=timeout,
            memory_mb=memory,
            python=python,
        )
        self._function_config = config
        self._pool = WorkerPool(config, self._write_logs, max_workers=settings.max_workers)
        self._pool.prewarm(min(2, settings.max_workers))
        shims.register_function(self.function_name, self._pool)
        # As the root module: the Task outlives the function, unless a test wants the Task's own timeout.
        self._task_timeout = settings.task_timeout_seconds or timeout + 10
        return str(function["FunctionArn"])

    def _create_orchestration(self, function_arn: str) -> None:
        iam = self.client("iam")
        role = iam.create_role(
            RoleName=f"{self.settings.name}-sfn",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        self.client("logs").create_log_group(logGroupName=f"/aws/vendedlogs/states/{self.settings.name}")
        sfn = self.client("stepfunctions")
        self.state_machine_arn = sfn.create_state_machine(
            name=self.settings.name,
            definition=render_state_machine(
                function_arn, self._task_timeout, publish_events=self.settings.enable_events
            ),
            roleArn=role,
            type="STANDARD",
        )["stateMachineArn"]
        events = self.client("events")
        rule_name = f"{self.settings.name}-object-created"
        events.put_rule(Name=rule_name, EventPattern=render_event_pattern(self.settings.originals_bucket))
        sqs = self.client("sqs")
        self.dead_letter_queue_url = sqs.create_queue(QueueName=f"{self.settings.name}-events-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=self.dead_letter_queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self._add_target(rule_name, self.state_machine_arn, "state_machine", role, dlq_arn)
        if self.settings.delete_variants_on_source_delete:
            self.cleanup_state_machine_arn = sfn.create_state_machine(
                name=f"{self.settings.name}-cleanup",
                definition=render_state_machine(function_arn, self._task_timeout, CLEANUP_TEMPLATE),
                roleArn=role,
                type="STANDARD",
            )["stateMachineArn"]
            deleted_rule = f"{self.settings.name}-object-deleted"
            pattern = render_event_pattern(self.settings.originals_bucket, template=DELETED_PATTERN_TEMPLATE)
            events.put_rule(Name=deleted_rule, EventPattern=pattern)
            self._add_target(deleted_rule, self.cleanup_state_machine_arn, "cleanup", role, dlq_arn)

    def _add_target(self, rule: str, arn: str, terraform_target: str, role: str, dlq_arn: str) -> None:
        transformer = event_target_input_transformer(terraform_target)
        self.client("events").put_targets(
            Rule=rule,
            Targets=[
                {
                    "Id": terraform_target.replace("_", "-"),
                    "Arn": arn,
                    "RoleArn": role,
                    "InputTransformer": {
                        "InputPathsMap": transformer.input_paths,
                        "InputTemplate": transformer.input_template,
                    },
                    "DeadLetterConfig": {"Arn": dlq_arn},
                    "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600},
                }
            ],
        )

    def _write_logs(self, stream: str, lines: list[str]) -> None:
        backend = logs_backends[ACCOUNT][REGION]
        group = f"/aws/lambda/{self.function_name}"
        with contextlib.suppress(Exception):  # the stream exists after the worker's first invocation
            backend.create_log_stream(group, stream)
        now = int(time.time() * 1000)
        backend.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])

    # -- helpers for the demo and the tests ----------------------------------------------------------------
    def update_variants(self, variants: dict[str, Any]) -> None:
        """What `terraform apply` with new variants does: a new function configuration, fresh sandboxes."""
        assert self._pool is not None
        environment = {**self._function_config.environment, "VARIANTS": json.dumps(variants)}
        lambda_client = self.client("lambda")
        current = lambda_client.get_function_configuration(FunctionName=self.function_name)
        lambda_client.update_function_configuration(
            FunctionName=self.function_name,
            Environment={"Variables": {**current["Environment"]["Variables"], "VARIANTS": json.dumps(variants)}},
        )
        self._pool.close()
        self._function_config = dataclasses.replace(self._function_config, environment=environment)
        self._pool = WorkerPool(self._function_config, self._write_logs, max_workers=self.settings.max_workers)
        shims.register_function(self.function_name, self._pool)
        self.settings.variants = variants

    def set_rule_enabled(self, enabled: bool) -> None:
        events = self.client("events")
        name = f"{self.settings.name}-object-created"
        (events.enable_rule if enabled else events.disable_rule)(Name=name)

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


def _all_executions(sfn: Any, arn: str) -> list[dict[str, Any]]:
    executions: list[dict[str, Any]] = []
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
        executions.extend(page["executions"])
    return executions
