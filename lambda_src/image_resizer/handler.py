"""Lambda entry point: ``image_resizer.handler.lambda_handler``.

Configuration is read and validated once per cold start; a bad configuration fails every invocation with
``ConfigurationError`` (permanent) instead of crashing the runtime's init.
"""

from __future__ import annotations

import platform
import time
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from image_resizer.aws.events import DELETE, parse_event, requested_action
from image_resizer.aws.observability import logger, metrics, record_cost, record_rejection, record_unexpected
from image_resizer.aws.pricing import architecture_of
from image_resizer.aws.storage import ObjectStore
from image_resizer.errors import ConfigurationError, ImageResizerError
from image_resizer.pipeline.service import delete_variants, process
from image_resizer.pipeline.settings import Settings, load_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

from aws_lambda_powertools.metrics import MetricUnit

_S3_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=30)


def _load() -> Settings | ConfigurationError:
    try:
        return load_settings()
    except ConfigurationError as exc:
        return exc


_settings = _load()
_store: ObjectStore | None = None


def _get_store() -> ObjectStore:
    global _store  # noqa: PLW0603 - one client per warm container
    if _store is None:
        _store = ObjectStore(boto3.client("s3", config=_S3_CONFIG))
    return _store


def reset(store: ObjectStore | None = None) -> None:
    """Re-read the environment (tests and the local runner change it between invocations)."""
    global _settings, _store
    _settings, _store = _load(), store


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.perf_counter()
    if _store is not None:
        _store.requests.clear()
    try:
        return _handle(event)
    finally:
        if _store is not None and not isinstance(_settings, ConfigurationError):
            record_cost(
                (time.perf_counter() - started) * 1000,
                int(context.memory_limit_in_mb),
                architecture_of(platform.machine()),
                _settings.workflow_type,
                _store.requests,
            )


def _handle(event: dict[str, Any]) -> dict[str, Any]:
    execution_id = event.get("executionId") if isinstance(event, dict) else None
    if execution_id:
        logger.append_keys(execution_id=execution_id)
    try:
        if isinstance(_settings, ConfigurationError):
            raise _settings
        action = requested_action(event)
        refs = parse_event(event, action)
        results = []
        for ref in refs:
            logger.append_keys(bucket=ref.bucket, key=ref.key)
            if action == DELETE:
                result = delete_variants(ref, _settings, _get_store())
                metrics.add_metric(name="VariantsDeleted", unit=MetricUnit.Count, value=len(result["deleted"]))
                logger.info("variants deleted", extra={"deleted": result["deleted"], "skipped": result["skipped"]})
                results.append(result)
                continue
            outcome = process(ref, _settings, _get_store())
            _record_success(outcome.skipped, outcome.output_bytes, outcome.source.size, outcome.elapsed_ms)
            if outcome.superseded:
                # Not an error: S3 events arrive in any order; a newer version's run publishes instead.
                metrics.add_metric(name="ImagesSuperseded", unit=MetricUnit.Count, value=1)
            logger.info(
                "skipped: superseded by a newer version"
                if outcome.superseded
                else "skipped: variants are up to date"
                if outcome.skipped
                else "resized",
                extra={"outputs": outcome.outputs, "elapsed_ms": round(outcome.elapsed_ms, 1)},
            )
            results.append(outcome.as_result())
    except ImageResizerError as exc:
        record_rejection(exc.error_type)
        logger.warning("rejected", extra={"error_type": exc.error_type, "error": str(exc), "retryable": exc.retryable})
        raise
    except Exception:
        record_rejection("Unhandled")
        record_unexpected()
        logger.exception("unexpected failure")
        raise
    if len(results) == 1:
        return results[0]
    return {"status": "SUCCEEDED", "results": results, "skipped": all(r["skipped"] for r in results)}


def _record_success(skipped: bool, output_bytes: int, source_bytes: int, elapsed_ms: float) -> None:
    if skipped:
        metrics.add_metric(name="ImagesSkipped", unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name="ImagesResized", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="SourceBytes", unit=MetricUnit.Bytes, value=source_bytes)
    metrics.add_metric(name="OutputBytes", unit=MetricUnit.Bytes, value=output_bytes)
    metrics.add_metric(name="ProcessingMilliseconds", unit=MetricUnit.Milliseconds, value=elapsed_ms)
