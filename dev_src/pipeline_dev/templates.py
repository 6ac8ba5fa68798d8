"""Terraform's templatefile() for the two shared templates (ASL and event pattern), so that the local stack
and the tests render exactly what Terraform deploys.

Supported, as Terraform does it: ``${name}`` interpolation of a variable (strings inserted verbatim, numbers
and bools as Terraform prints them) and the ``$${`` / ``%%{`` escapes. Anything else inside ``${...}``
(function calls, attribute access) and ``%{...}`` directives are refused, so a template that Terraform
would render differently cannot slip through.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
STATE_MACHINE_TEMPLATE = REPO_ROOT / "state_machine" / "image_processing.json"
EVENT_PATTERN_TEMPLATE = REPO_ROOT / "state_machine" / "object_created.pattern.json"
CLEANUP_TEMPLATE = REPO_ROOT / "state_machine" / "variant_cleanup.json"
DELETED_PATTERN_TEMPLATE = REPO_ROOT / "state_machine" / "object_deleted.pattern.json"
BACKFILL_TEMPLATE = REPO_ROOT / "state_machine" / "backfill.json"
# The Retry list every Task that invokes the function uses: written once, inserted by both renderers.
TRANSIENT_RETRY = REPO_ROOT / "state_machine" / "transient_retry.json"

_TOKEN = re.compile(r"\$\$\{|%%\{|\$\{([^}]*)\}|%\{")
_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*$")


class TemplateError(ValueError):
    """The template uses something templatefile() would not render the way this renderer does."""


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise TemplateError(f"templatefile() cannot interpolate a {type(value).__name__} directly; jsonencode() it")


def render_template(text: str, variables: dict[str, Any]) -> str:
    used: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        found = match.group(0)
        if found == "$${":
            return "${"
        if found == "%%{":
            return "%{"
        if found == "%{":
            raise TemplateError("template directives (%{...}) are not supported here")
        name_match = _NAME.match(match.group(1))
        if not name_match:
            raise TemplateError(f"only plain variables may be interpolated, found ${{{match.group(1)}}}")
        name = name_match.group(1)
        if name not in variables:
            raise TemplateError(f"vars map does not contain key {name!r}, referenced in the template")
        used.add(name)
        return _format(variables[name])

    return _TOKEN.sub(substitute, text)


def workflow_variables(
    resize_function_arn: str, task_timeout_seconds: int, partition: str = "aws", publish_events: bool = False
) -> dict[str, Any]:
    """What the root module passes to templatefile() for every workflow template."""
    return {
        "resize_function_arn": resize_function_arn,
        "task_timeout_seconds": task_timeout_seconds,
        "partition": partition,
        "transient_retry": TRANSIENT_RETRY.read_text(encoding="utf-8"),
        "publish_events": publish_events,
    }


def render_state_machine(
    resize_function_arn: str,
    task_timeout_seconds: int,
    template: Path = STATE_MACHINE_TEMPLATE,
    partition: str = "aws",
    publish_events: bool = False,
    **extra: Any,
) -> str:
    return render_template(
        template.read_text(encoding="utf-8"),
        {**workflow_variables(resize_function_arn, task_timeout_seconds, partition, publish_events), **extra},
    )


def key_filters(prefix: str = "", suffixes: list[str] | tuple[str, ...] = ()) -> list[dict[str, str]]:
    """The same filter list as modules/orchestration's locals.key_filters."""
    if not suffixes:
        return [{"prefix": prefix}]
    if not prefix:
        return [{"suffix": suffix} for suffix in suffixes]
    return [{"wildcard": f"{_escape_wildcard(prefix)}*{_escape_wildcard(suffix)}"} for suffix in suffixes]


def _escape_wildcard(text: str) -> str:
    return text.replace("*", "\\*")


def render_event_pattern(
    originals_bucket: str, prefix: str = "", suffixes: tuple[str, ...] = (), template: Path = EVENT_PATTERN_TEMPLATE
) -> str:
    return render_template(
        template.read_text(encoding="utf-8"),
        {"originals_bucket": originals_bucket, "key_filters": json.dumps(key_filters(prefix, suffixes))},
    )
