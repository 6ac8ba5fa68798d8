"""Structured logs and EMF metrics (aws-lambda-powertools), shared by the handler."""

from __future__ import annotations

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
