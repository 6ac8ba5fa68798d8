"""Which hashicorp/aws arguments and attributes are deprecated, read from the Pulumi AWS Python SDK.

The cdktf assembly that ``provider_schema`` reads marks nothing deprecated (its ``aws_region.name`` is plain
"stable"). ``pulumi-aws`` 7.x is generated from the schema of hashicorp/aws 6.x by Pulumi's Terraform bridge and
keeps the provider's deprecation messages: ``@_utilities.deprecated("...")`` on getters and
``warnings.warn("... is deprecated ...")`` on arguments. Only the source text is read (nothing is imported);
the result is cached as JSON next to the schema.

    python -m pipeline_dev.deprecations   # download the pinned wheel if needed, build and cache the map
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from pipeline_dev.provider_schema import CACHE, pinned_wheel

PULUMI_PACKAGE = "pulumi-aws"
PULUMI_VERSION = "7.12.0"  # bridges hashicorp/aws 6.x
DEPRECATIONS_FILE = CACHE / f"deprecations-pulumi-aws-{PULUMI_VERSION}.json"

_GETTER = re.compile(r'@_utilities\.deprecated\("""(.*?)"""\)\s*def (\w+)\(self\)', re.DOTALL)
_ARGUMENT = re.compile(r'if (\w+) is not None:\s*warnings\.warn\("""(.*?)""", DeprecationWarning\)', re.DOTALL)

Deprecations = dict[str, dict[str, dict[str, str]]]  # kind -> terraform type -> attribute -> message


def _sdk_path(terraform_type: str, kind: str) -> list[str]:
    """Where the SDK keeps a Terraform type: aws_sfn_state_machine -> sfn/state_machine.py, the data source
    aws_iam_policy_document -> iam/get_policy_document.py, aws_region -> get_region.py."""
    words = terraform_type.removeprefix("aws_").split("_")
    stem = "get_" if kind == "data_sources" else ""
    paths = [f"pulumi_aws/{stem}{'_'.join(words)}.py"]
    for module in (words[0], words[0] + "_"):
        rest = "_".join(words[1:])
        if rest:
            paths.append(f"pulumi_aws/{module}/{stem}{rest}.py")
    return paths


def build(wheel: Path, terraform_types: dict[str, list[str]]) -> Deprecations:
    found: Deprecations = {"resources": {}, "data_sources": {}, "unmapped": {}}
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for kind, types in terraform_types.items():
            for terraform_type in types:
                path = next((p for p in _sdk_path(terraform_type, kind) if p in names), None)
                if path is None:
                    found["unmapped"][terraform_type] = {}
                    continue
                text = archive.read(path).decode("utf-8")
                messages = {name: " ".join(message.split()) for message, name in _GETTER.findall(text)}
                messages |= {name: " ".join(message.split()) for name, message in _ARGUMENT.findall(text)}
                if messages:
                    found[kind][terraform_type] = messages
    return found


def ensure_deprecations(schema: dict[str, dict[str, object]]) -> Deprecations:
    if DEPRECATIONS_FILE.exists():
        return json.loads(DEPRECATIONS_FILE.read_text())  # type: ignore[no-any-return]
    CACHE.mkdir(parents=True, exist_ok=True)
    types = {"resources": sorted(schema["resources"]), "data_sources": sorted(schema["data_sources"])}
    built = build(pinned_wheel(PULUMI_PACKAGE, PULUMI_VERSION, CACHE), types)
    DEPRECATIONS_FILE.write_text(json.dumps(built, sort_keys=True))
    return built


if __name__ == "__main__":
    from pipeline_dev.provider_schema import ensure_schema

    result = ensure_deprecations(ensure_schema())
    counted = sum(len(v) for kind in ("resources", "data_sources") for v in result[kind].values())
    print(f"{DEPRECATIONS_FILE}: {counted} deprecated arguments/attributes; {len(result['unmapped'])} types unmapped")
