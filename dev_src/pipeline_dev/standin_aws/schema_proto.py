"""The typed schema (``pipeline_dev.provider_schema``) as tfplugin6's GetProviderSchema response, built once and
kept beside the schema as serialized bytes, since Terraform starts the provider several times per command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tf.gen import tfplugin_pb2 as pb

_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
}


def _block(block: dict[str, Any], deprecated: dict[str, str] | None = None) -> Any:
    deprecated = deprecated or {}
    attributes = [
        pb.Schema.Attribute(
            name=name,
            type=json.dumps(attribute["type"]).encode(),
            required=attribute["required"],
            optional=attribute["optional"],
            computed=attribute["computed"],
            deprecated=name in deprecated,
            description=deprecated.get(name, ""),
        )
        for name, attribute in sorted(block["attributes"].items())
    ]
    blocks = [
        pb.Schema.NestedBlock(
            type_name=name,
            block=_block(nested["block"]),
            nesting=_NESTING[nested["nesting"]],
            min_items=nested["min_items"],
            max_items=nested["max_items"],
        )
        for name, nested in sorted(block["blocks"].items())
    ]
    return pb.Schema.Block(attributes=attributes, block_types=blocks)


def build_response(schema: dict[str, Any], deprecations: dict[str, Any]) -> Any:
    response = pb.GetProviderSchema.Response(
        provider=pb.Schema(block=_block(schema["provider"])),
        server_capabilities=pb.ServerCapabilities(plan_destroy=False, get_provider_schema_optional=False),
    )
    for kind, target in (("resources", response.resource_schemas), ("data_sources", response.data_source_schemas)):
        for type_name, block in schema[kind].items():
            target[type_name].CopyFrom(pb.Schema(block=_block(block, deprecations.get(kind, {}).get(type_name))))
    return response


def provider_schema_response(schema: dict[str, Any], deprecations: dict[str, Any], cache: Path) -> Any:
    if cache.exists():
        return pb.GetProviderSchema.Response.FromString(cache.read_bytes())
    return build_response(schema, deprecations)
