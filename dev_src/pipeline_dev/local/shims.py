"""What moto 5.2.5 lacks for this pipeline, added as small patches (each one tested in tests/integration).

1. Lambda ``Invoke``: moto runs code only in Docker; without it, it echoes the input. The patch routes
   invocations of functions registered here to a :class:`~pipeline_dev.local.worker.WorkerPool`, which runs
   the built function.zip + layer.zip and answers as Lambda does (payload, ``X-Amz-Function-Error``).
2. EventBridge targets: for events that S3 emits, moto skips input transformers and drops a Step Functions
   target silently (which also stops delivery to later rules); its transformer parser also leaves string
   values unquoted and absent paths unreplaced. The patch applies the target's input transformer as AWS
   documents it (:func:`transform_input`) and calls StartExecution with a deterministic name; delivery
   failures go to the target's dead-letter queue, as AWS does after its retries.
3. S3 event details: AWS URL-encodes object keys in S3 events (as in S3 notifications) and names the ETag
   ``etag``; moto sends keys raw and says ``eTag``. The patch fixes both before rules see the event, so
   filters, the input transformer and the handler's decoding meet what they meet on AWS.
4. Delete markers: deleting a key of a versioned bucket creates a delete marker, for which AWS emits an
   ``Object Deleted`` event (``deletion-type: Delete Marker Created``); moto emits none. The patch sends it.

5. User metadata: "limited to 2 KB ... the sum of the number of bytes in the UTF-8 encoding of each key and
   value" (S3 User Guide, "Working with object metadata"); S3 refuses more with ``MetadataTooLarge``, moto
   stores it. The patch refuses it as S3 does.

6. Versioned reads' permissions: HeadObject with ``versionId`` needs ``s3:GetObjectVersion``, and
   GetObjectTagging with ``versionId`` needs ``s3:GetObjectVersionTagging`` (S3 API Reference, HeadObject and
   GetObjectTagging, "Permissions"); moto authorises them as ``GetObject`` and ``GetObjectVersion``. The patch
   names the action AWS checks, so moto's IAM enforcement judges the policy as AWS would.
7. Service principals: what the Step Functions engine and EventBridge do on behalf of a role (invoke the
   function, put events, start an execution) is reported to an observer (:func:`observe_service_calls`) with
   the state machine or role and the exact resource, for the local stack to judge against the rendered policy.

For fault-injection tests (off unless a test turns them on): a share of the function's invocations answered
with a chosen fault or delayed (:func:`set_function_faults`), and a share of S3 requests answered
``503 SlowDown`` as S3 does under load (:func:`set_s3_faults`).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

import moto
from moto.awslambda import models as lambda_models
from moto.events import models as events_models
from moto.s3 import models as s3_models
from moto.s3 import notifications as s3_notifications
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from pipeline_dev.local.worker import WorkerPool

SUPPORTED_MOTO = "5.2.5"
MAX_USER_METADATA_BYTES = 2048

_pools: dict[str, WorkerPool] = {}  # function name -> pool
_faults: dict[str, list[dict[str, Any]]] = {}  # function name -> payloads to answer instead of running
_lock = threading.Lock()
_installed = False
# (principal, action, resource) -> allowed; principal is a state machine ARN (its role acts) or a role ARN.
ServiceCallObserver = Callable[[str, str, str], bool]
_observers: list[ServiceCallObserver] = []


def observe_service_calls(observer: ServiceCallObserver | None) -> None:
    """Report every call a service makes for a role to ``observer`` (None: stop reporting)."""
    with _lock:
        _observers.clear()
        if observer is not None:
            _observers.append(observer)


def _report(principal: str, action: str, resource: str) -> bool:
    with _lock:
        observers = list(_observers)
    return all([observer(principal, action, resource) for observer in observers])


def register_function(name: str, pool: WorkerPool) -> None:
    with _lock:
        _pools[name] = pool


def unregister_function(name: str) -> None:
    with _lock:
        _pools.pop(name, None)
        _faults.pop(name, None)


def inject_function_error(name: str, error_type: str, message: str, times: int = 1) -> None:
    """Answer the next ``times`` invocations with this error, as if the handler had raised it."""
    with _lock:
        _faults.setdefault(name, []).extend({"errorType": error_type, "errorMessage": message} for _ in range(times))


@dataclass
class FaultPlan:
    """A share of requests answered with a fault, drawn from a seeded generator (reproducible runs)."""

    rate: float = 0.0
    kinds: tuple[str, ...] = ()
    seed: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    def draw(self) -> str | None:
        with _lock:
            if self.rate <= 0 or self._random.random() >= self.rate:
                return None
            kind = self._random.choice(self.kinds)
            self.injected[kind] = self.injected.get(kind, 0) + 1
            return kind


_function_plans: dict[str, FaultPlan] = {}
_s3_plan = FaultPlan()
_s3_buckets: dict[str, tuple[str, ...]] = {}  # bucket -> HTTP methods that may fail


def set_function_faults(name: str, plan: FaultPlan) -> FaultPlan:
    """Answer a share of invocations with a fault instead of running the function. Kinds: an error type
    (``Sandbox.Timedout``, ``Runtime.OutOfMemory``, ``TransientError``, ...) answered as Lambda would, or
    ``delay:SECONDS`` (the invocation runs after that pause, e.g. past the Task's TimeoutSeconds)."""
    with _lock:
        _function_plans[name] = plan
    return plan


def set_s3_faults(plan: FaultPlan, buckets: dict[str, tuple[str, ...]]) -> FaultPlan:
    """Answer a share of S3 requests for these buckets (and HTTP methods) with 503 SlowDown."""
    global _s3_plan  # noqa: PLW0603 - one plan for the process's server
    with _lock:
        _s3_plan = plan
        _s3_buckets.clear()
        _s3_buckets.update(buckets)
    return plan


def clear_faults() -> None:
    with _lock:
        _function_plans.clear()
        _s3_buckets.clear()


def install() -> None:
    global _installed  # noqa: PLW0603 - patches are process-wide and installed once
    if _installed:
        return
    if moto.__version__ != SUPPORTED_MOTO:
        raise RuntimeError(f"the local stack's shims are written for moto {SUPPORTED_MOTO}, found {moto.__version__}")
    _patch_lambda_invoke()
    _patch_rule_targets()
    _patch_delete_markers()
    _patch_s3_faults()
    _patch_versioned_read_actions()
    _patch_engine_calls()
    _installed = True


def _patch_versioned_read_actions() -> None:
    from moto.s3.responses import S3Response

    original: Callable[..., Any] = S3Response._set_action

    def set_action(self: Any, action_resource_type: str, method: str, querystring: dict[str, Any]) -> None:
        original(self, action_resource_type, method, querystring)
        if action_resource_type == "KEY" and "versionId" in querystring:
            if method == "HEAD":
                self.data["Action"] = "GetObjectVersion"
            elif method == "GET" and "tagging" in querystring:
                self.data["Action"] = "GetObjectVersionTagging"

    S3Response._set_action = set_action  # type: ignore[method-assign]


def _patch_engine_calls() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_events,
    )

    def machine_of(env: Any) -> str:
        return str(env.states.context_object.context_object_data["StateMachine"]["Id"])

    invoke: Callable[..., Any] = lambda_eval_utils.execute_lambda_function_integration

    def execute_lambda_function_integration(env: Any, parameters: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        _report(machine_of(env), "lambda:InvokeFunction", str(parameters.get("FunctionName", "")))
        return invoke(env, parameters, *args, **kwargs)

    lambda_eval_utils.execute_lambda_function_integration = execute_lambda_function_integration

    events_class = state_task_service_events.StateTaskServiceEvents
    put: Callable[..., Any] = events_class._eval_service_task

    def eval_service_task(
        self: Any, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any], state_credentials: Any
    ) -> Any:
        for entry in normalised_parameters.get("Entries", []):
            bus = entry.get("EventBusName") or "default"
            prefix = f"arn:aws:events:{resource_runtime_part.region}:{resource_runtime_part.account}:event-bus/"
            _report(machine_of(env), "events:PutEvents", bus if bus.startswith("arn:") else prefix + bus)
        return put(
            self,
            env=env,
            resource_runtime_part=resource_runtime_part,
            normalised_parameters=normalised_parameters,
            state_credentials=state_credentials,
        )

    events_class._eval_service_task = eval_service_task  # type: ignore[method-assign]


def _patch_s3_faults() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original: Callable[..., Any] = DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") == "PUT" and "/s3/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
            metadata = sum(
                len(name[len("HTTP_X_AMZ_META_") :].encode()) + len(str(value).encode("latin-1"))
                for name, value in environ.items()
                if name.startswith("HTTP_X_AMZ_META_")
            )
            if metadata > MAX_USER_METADATA_BYTES:
                body = (
                    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>MetadataTooLarge</Code><Message>Your '
                    b"metadata headers exceed the maximum allowed metadata size.</Message></Error>"
                )
                start_response(
                    "400 Bad Request", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
                )
                return [body]
        if _s3_buckets and "/s3/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
            bucket = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
            methods = _s3_buckets.get(bucket, ())
            if environ.get("REQUEST_METHOD") in methods and _s3_plan.draw() is not None:
                body = (
                    b""
                    if environ.get("REQUEST_METHOD") == "HEAD"
                    else (
                        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                        b"<Message>Please reduce your request rate.</Message></Error>"
                    )
                )
                start_response(
                    "503 Slow Down", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
                )
                return [body]
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]


def _patch_lambda_invoke() -> None:
    original: Callable[..., Any] = lambda_models.LambdaBackend.invoke

    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> Any:
        name = function_name.rsplit(":", 1)[-1] if function_name.startswith("arn:") else function_name
        with _lock:
            pool = _pools.get(name)
            fault = _faults[name].pop(0) if _faults.get(name) else None
            plan = _function_plans.get(name)
        if pool is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        drawn = plan.draw() if plan is not None and fault is None else None
        if drawn is not None and drawn.startswith("delay:"):
            time.sleep(float(drawn.split(":", 1)[1]))
        elif drawn is not None:
            message = {
                "Sandbox.Timedout": "Task timed out after 60.00 seconds (injected)",
                "Runtime.OutOfMemory": "Runtime exited with error: signal: killed (injected)",
            }.get(drawn, f"{drawn} (injected)")
            fault = {"errorType": drawn, "errorMessage": message}
        if fault is not None:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(fault).encode()
        event = json.loads(body) if body else {}
        if headers.get("X-Amz-Invocation-Type") == "Event":
            threading.Thread(target=pool.invoke, args=(event,), daemon=True).start()
            return b""
        result = pool.invoke(event)
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        return result.payload

    lambda_models.LambdaBackend.invoke = invoke  # type: ignore[method-assign]


def _patch_delete_markers() -> None:
    original: Callable[..., Any] = s3_models.S3Backend.delete_object

    def delete_object(
        self: Any, bucket_name: str, key_name: str, version_id: str | None = None, bypass: bool = False
    ) -> Any:
        result = original(self, bucket_name, key_name, version_id=version_id, bypass=bypass)
        meta = result[1] if isinstance(result, tuple) and len(result) > 1 else {}
        if version_id is None and meta.get("delete-marker") == "true":
            bucket = self.get_bucket(bucket_name)
            marker = SimpleNamespace(name=key_name, size=0, etag="", version_id=meta.get("version-id"))
            s3_notifications.send_event(
                self.account_id,
                s3_notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
                bucket,
                marker,
            )
        return result

    s3_models.S3Backend.delete_object = delete_object  # type: ignore[method-assign]


def _encode_s3_key(event: dict[str, Any]) -> dict[str, Any]:
    obj = event.get("detail", {}).get("object")
    if event.get("source") != "aws.s3" or not isinstance(obj, dict) or "key" not in obj or event.get("_key_encoded"):
        return event
    encoded: dict[str, Any] = json.loads(json.dumps(event))
    encoded["detail"]["object"]["key"] = quote_plus(obj["key"], safe="/")
    if event.get("detail-type") == "Object Deleted":
        marker = event["detail"].get("reason") == "DeleteMarkerCreated"
        encoded["detail"]["deletion-type"] = "Delete Marker Created" if marker else "Permanently Deleted"
    if "eTag" in obj:
        encoded["detail"]["object"]["etag"] = encoded["detail"]["object"].pop("eTag")
    encoded["_key_encoded"] = True
    return encoded


def _patch_rule_targets() -> None:
    original: Callable[..., Any] = events_models.Rule.send_to_targets

    def send_to_targets(self: Any, original_event: dict[str, Any], transform_input: bool = True) -> None:
        if getattr(self, "state", "ENABLED") != "ENABLED":  # a disabled rule delivers nothing
            return
        event = _encode_s3_key(original_event)
        public_event = {k: v for k, v in event.items() if k != "_key_encoded"}
        if not self.event_pattern.matches_event(public_event):
            return
        states_targets = [t for t in self.targets if t["Arn"].split(":")[2] == "states"]
        others = [t for t in self.targets if t not in states_targets]
        for target in states_targets:
            _start_execution(self, target, public_event)
        if others:
            saved = self.targets
            self.targets = others
            try:
                original(self, public_event, transform_input=True)
            finally:
                self.targets = saved

    events_models.Rule.send_to_targets = send_to_targets  # type: ignore[method-assign,assignment]


def _lookup(event: Any, path: str) -> Any:
    """A JSONPath of the form ``$.a.b-c.d`` (all our input paths use), or None when absent."""
    value = event
    for part in path.removeprefix("$").strip(".").split("."):
        if not part:
            continue
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def transform_input(template: str | None, paths: dict[str, str], event: dict[str, Any]) -> str:
    """EventBridge's input transformer: ``"<name>"`` inside quotes takes the value as text, a bare
    ``<name>`` takes it as JSON (strings quoted and escaped); an absent path gives null."""
    if template is None:
        return json.dumps(event)
    values = {name: _lookup(event, path) for name, path in paths.items()}
    values.setdefault("aws.events.event.json", event)

    def replace(match: re.Match[str]) -> str:
        quoted, name = match.group(1) is not None, match.group(2)
        if name not in values:
            return match.group(0)
        value = values[name]
        if quoted:
            text = value if isinstance(value, str) else json.dumps(value)
            return json.dumps("" if value is None else text)
        return json.dumps(value)

    return re.sub(r'(")?<([A-Za-z0-9_.-]+)>(?(1)")', replace, template)


def _start_execution(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    transformer = target.get("InputTransformer", {})
    text = transform_input(transformer.get("InputTemplate"), transformer.get("InputPathsMap", {}), event)
    # One execution per event: a redelivered event must not start a second one.
    name = "evt-" + hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()[:40]
    try:
        if target.get("RoleArn") and not _report(target["RoleArn"], "states:StartExecution", target["Arn"]):
            # EventBridge cannot start the target with its role: after its retries, the event goes to the DLQ.
            raise PermissionError(f"AccessDeniedException: {target['RoleArn']} may not states:StartExecution")
        stepfunctions_backend(rule.account_id, rule.region_name).start_execution(target["Arn"], name, text)
    except Exception as exc:  # delivered to the DLQ, as EventBridge does after its retries
        dead_letter = target.get("DeadLetterConfig", {}).get("Arn")
        if dead_letter:
            from moto.sqs.models import sqs_backends

            queue = dead_letter.rsplit(":", 1)[-1]
            body = json.dumps({"event": event, "error": f"{type(exc).__name__}: {exc}"}, default=str)
            sqs_backends[rule.account_id][rule.region_name].send_message(queue_name=queue, message_body=body)
