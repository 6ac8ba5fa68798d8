"""Structured logs and EMF metrics (aws-lambda-powertools), shared by the handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE: Final = "image-resizer"
NAMESPACE: Final = "ImageResizer"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def record_rejection(error_type: str) -> None:
    """One metric per rejected image, dimensioned by the error's type (alarms and dashboards key on it).

    The dimension joins this invocation's metric set only: Powertools resets dimensions at every flush.
    """
    metrics.add_dimension(name="ErrorType", value=error_type)
    metrics.add_metric(name="ImagesRejected", unit=MetricUnit.Count, value=1)


def record_unexpected() -> None:
    """An exception none of the typed errors names: a bug of ours, counted apart (its own alarm)."""
    metrics.add_metric(name="UnexpectedErrors", unit=MetricUnit.Count, value=1)


def record_cost(duration_ms: float, memory_mb: int, architecture: str, workflow: str, s3: Mapping[str, int]) -> None:
    """The invocation's own duration, its configured memory and what it cost (image_resizer.aws.pricing), in
    micro-dollars: the dashboard divides the sum by the invocations for a cost per 1,000 images."""
    from image_resizer.aws.pricing import invocation_cost

    cost = invocation_cost(duration_ms, memory_mb, architecture, workflow, s3)
    metrics.add_metric(name="InvocationMilliseconds", unit=MetricUnit.Milliseconds, value=duration_ms)
    metrics.add_metric(name="ConfiguredMemoryMB", unit=MetricUnit.Megabytes, value=memory_mb)
    metrics.add_metric(name="S3Requests", unit=MetricUnit.Count, value=sum(s3.values()))
    metrics.add_metric(name="EstimatedCostMicroUSD", unit=MetricUnit.NoUnit, value=cost.total * 1_000_000)
