"""The stand-in's answers to Terraform's plugin protocol 6 calls (tfplugin6, stubs from the ``tf`` package).

Plan: configured values as given, computed values unknown on create and kept on update. Apply: each unknown
replaced by a plausible typed value (``shapes``). Read: the state as stored. Data sources: ``data_sources``.
Nothing here talks to AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import grpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from pipeline_dev.standin_aws import data_sources
from pipeline_dev.standin_aws.schema_proto import provider_schema_response
from pipeline_dev.standin_aws.shapes import Account, computed_value, partition_of
from pipeline_dev.standin_aws.values import (
    complete_with_nulls,
    decode,
    decode_json,
    encode,
    fill_unknowns,
    is_unknown,
    mark_computed_unknown,
    short_hash,
)


def _warning(summary: str, detail: str, attribute: str) -> pb.Diagnostic:
    path = pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=attribute)])
    return pb.Diagnostic(severity=pb.Diagnostic.WARNING, summary=summary, detail=detail, attribute=path)


def _error(summary: str, detail: str = "") -> pb.Diagnostic:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)


class StandInProvider(rpc.ProviderServicer):  # type: ignore[misc]
    def __init__(self, schema: dict[str, Any], deprecations: dict[str, Any], response_file: Path) -> None:
        self.schema = schema
        self.deprecations = deprecations
        self.response_file = response_file
        self._schema_response: Any = None
        self.account = Account()
        self.default_tags: dict[str, str] = {}

    # --- schema -------------------------------------------------------------------------------------------
    def GetMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(plan_destroy=False, get_provider_schema_optional=False),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=t) for t in self.schema["resources"]],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=t) for t in self.schema["data_sources"]],
        )

    def GetProviderSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        if self._schema_response is None:  # Terraform asks more than once per process
            self._schema_response = provider_schema_response(self.schema, self.deprecations, self.response_file)
        return self._schema_response

    def GetFunctions(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetFunctions.Response()

    # --- validation: the SDK's deprecation warnings (Terraform core itself warns on references) ------------
    def _deprecated(self, kind: str, type_name: str, config: Any) -> list[pb.Diagnostic]:
        messages = self.deprecations.get(kind, {}).get(type_name, {})
        if not isinstance(config, dict):
            return []
        return [
            _warning("Argument is deprecated", message, name)
            for name, message in sorted(messages.items())
            if config.get(name) not in (None, [], {})  # an absent block arrives as an empty list
        ]

    def ValidateProviderConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = decode(request.config.msgpack)
        return pb.ValidateResourceConfig.Response(diagnostics=self._deprecated("resources", request.type_name, config))

    def ValidateDataResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = decode(request.config.msgpack)
        return pb.ValidateDataResourceConfig.Response(
            diagnostics=self._deprecated("data_sources", request.type_name, config)
        )

    # --- provider configuration -----------------------------------------------------------------------------
    def ConfigureProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = decode(request.config.msgpack) or {}
        region = config.get("region")
        if isinstance(region, str) and region:
            self.account = Account(partition=partition_of(region), region=region)
        default_tags = config.get("default_tags") or []
        if default_tags and isinstance(default_tags[0], dict) and isinstance(default_tags[0].get("tags"), dict):
            self.default_tags = {k: v for k, v in default_tags[0]["tags"].items() if isinstance(v, str)}
        return pb.ConfigureProvider.Response()

    # --- managed resources ----------------------------------------------------------------------------------
    def _resource(self, type_name: str) -> dict[str, Any]:
        return self.schema["resources"][type_name]  # type: ignore[no-any-return]

    def UpgradeResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        raw = decode_json(request.raw_state.json)
        upgraded = complete_with_nulls(self._resource(request.type_name), raw)
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(msgpack=encode(upgraded)))

    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        proposed = decode(request.proposed_new_state.msgpack)
        prior = decode(request.prior_state.msgpack)
        if proposed is None:
            planned = None
        elif prior is None:
            planned = mark_computed_unknown(self._resource(request.type_name), proposed)
        else:
            planned = proposed
        return pb.PlanResourceChange.Response(
            planned_state=pb.DynamicValue(msgpack=encode(planned)), planned_private=request.prior_private
        )

    def ApplyResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        planned = decode(request.planned_state.msgpack)
        if planned is None:
            return pb.ApplyResourceChange.Response(new_state=pb.DynamicValue(msgpack=encode(None)))
        type_name = request.type_name
        known = {k: v for k, v in planned.items() if not is_unknown(v)}
        seed = f"{type_name}:{short_hash(json.dumps(known, sort_keys=True, default=repr))}"

        def namer(attribute: str, cty_type: Any) -> Any:
            return computed_value(type_name, known, attribute, cty_type, seed, self.account, self.default_tags)

        state = fill_unknowns(self._resource(type_name), planned, namer)
        return pb.ApplyResourceChange.Response(
            new_state=pb.DynamicValue(msgpack=encode(state)), private=request.planned_private
        )

    def ImportResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ImportResourceState.Response(
            diagnostics=[_error("Import is not supported by the stand-in provider", request.type_name)]
        )

    def MoveResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.MoveResourceState.Response(
            diagnostics=[_error("Moving state is not supported by the stand-in provider", request.target_type_name)]
        )

    # --- data sources -------------------------------------------------------------------------------------
    def ReadDataSource(self, request: Any, context: grpc.ServicerContext) -> Any:
        type_name = request.type_name
        config = decode(request.config.msgpack) or {}
        schema = self.schema["data_sources"][type_name]
        state = data_sources.read(type_name, config, schema, self.account)
        return pb.ReadDataSource.Response(state=pb.DynamicValue(msgpack=encode(state)))

    def StopProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.StopProvider.Response()
