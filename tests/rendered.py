"""Terraform's own render of the root module (``terraform apply`` with the stand-in provider, cached under
.cache/local-stack), for tests of what Terraform deploys: the state machines' definitions, the rules' patterns."""

from __future__ import annotations

import json
from typing import Any

from pipeline_dev.local.rendered import Rendered, render

BASE = {"region": "us-east-1", "originals_bucket_name": "originals", "resized_bucket_name": "resized"}
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:image-resizer"


def rendered(**variables: Any) -> Rendered:
    return render({**BASE, **variables})


def definition(machine: str = "image-resizer", **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(rendered(**variables).state_machines[machine].definition)
    return found


def event_pattern(rule: str = "image-resizer-object-created", **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(rendered(**variables).rules[rule].event_pattern)
    return found
