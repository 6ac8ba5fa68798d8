"""Values as Terraform sends them to a provider (cty in MessagePack), and what a stand-in plans and applies.

Unknown values travel as MessagePack extension 0 (or 12, an unknown with refinements, Terraform >= 1.6); they are
kept as the ``ExtType`` Terraform sent, so a value echoed back is the value it planned. Plan: the proposed new
state, with every computed attribute that is still null marked unknown when the resource is created. Apply: the
planned state with each unknown replaced by a plausible, typed value (ARNs in the partition's shape, ids, names).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import msgpack

UNKNOWN = msgpack.ExtType(0, b"\x00")


def is_unknown(value: Any) -> bool:
    return isinstance(value, msgpack.ExtType) and value.code in {0, 12}


def decode(raw: bytes) -> Any:
    if not raw:
        return None
    return msgpack.unpackb(raw, raw=False, strict_map_key=False)


def decode_json(raw: bytes) -> Any:
    return json.loads(raw) if raw else None


def encode(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)  # type: ignore[no-any-return]


def _elements(value: Any, nesting: str) -> list[tuple[Any, Any]]:
    """(key, element) pairs of a nested block's value, whatever its nesting mode."""
    if value is None or is_unknown(value):
        return []
    if nesting == "single":
        return [(None, value)]
    if nesting == "map":
        return list(value.items())
    return list(enumerate(value))


def mark_computed_unknown(block: dict[str, Any], value: Any) -> Any:
    """A copy of ``value`` (an object of ``block``'s schema) with each computed attribute that is null unknown."""
    if not isinstance(value, dict):
        return value
    result = dict(value)
    for name, attribute in block["attributes"].items():
        if attribute["computed"] and result.get(name) is None:
            result[name] = UNKNOWN
    for name, nested in block["blocks"].items():
        items = _elements(result.get(name), nested["nesting"])
        if not items:
            continue
        marked = [(key, mark_computed_unknown(nested["block"], element)) for key, element in items]
        result[name] = _rebuild(marked, nested["nesting"])
    return result


def _rebuild(items: list[tuple[Any, Any]], nesting: str) -> Any:
    if nesting == "single":
        return items[0][1]
    if nesting == "map":
        return dict(items)
    return [element for _, element in items]


Namer = Callable[[str, Any], Any]  # (attribute name, cty type) -> a value


def fill_unknowns(block: dict[str, Any], value: Any, namer: Namer) -> Any:
    """``value`` with every unknown attribute (at any depth) replaced by what ``namer`` gives for its name."""
    if not isinstance(value, dict):
        return value
    result = dict(value)
    for name, attribute in block["attributes"].items():
        if is_unknown(result.get(name)):
            result[name] = namer(name, attribute["type"])
        elif _has_unknown(result.get(name)):
            result[name] = _fill_nested(result[name], attribute["type"], name, namer)
    for name, nested in block["blocks"].items():
        items = _elements(result.get(name), nested["nesting"])
        if items:
            filled = [(key, fill_unknowns(nested["block"], element, namer)) for key, element in items]
            result[name] = _rebuild(filled, nested["nesting"])
    return result


def _has_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _fill_nested(value: Any, cty_type: Any, name: str, namer: Namer) -> Any:
    if is_unknown(value):
        return namer(name, cty_type)
    if isinstance(cty_type, list) and cty_type[0] in {"list", "set"} and isinstance(value, list):
        return [_fill_nested(v, cty_type[1], name, namer) for v in value]
    if isinstance(cty_type, list) and cty_type[0] == "map" and isinstance(value, dict):
        return {k: _fill_nested(v, cty_type[1], name, namer) for k, v in value.items()}
    if isinstance(cty_type, list) and cty_type[0] == "object" and isinstance(value, dict):
        return {k: _fill_nested(v, cty_type[1].get(k, "dynamic"), k, namer) for k, v in value.items()}
    return value


def placeholder(cty_type: Any, seed: str) -> Any:
    """A typed value for an attribute nothing more is known of."""
    if cty_type == "string":
        return f"standin-{short_hash(seed)}"
    if cty_type == "number":
        return 1
    if cty_type == "bool":
        return False
    if cty_type == "dynamic":
        # cty's MessagePack form of a dynamically typed value: [its type as JSON, the value]
        return [b'"string"', f"standin-{short_hash(seed)}"]
    kind = cty_type[0]
    if kind in {"list", "set"}:
        return []
    if kind == "map":
        return {}
    if kind == "object":
        return {name: placeholder(inner, f"{seed}.{name}") for name, inner in cty_type[1].items()}
    return None


def short_hash(seed: str, length: int = 12) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def complete_with_nulls(block: dict[str, Any], value: Any) -> Any:
    """An object of ``block``'s schema from a partial one: attributes and blocks it lacks are null or empty."""
    if not isinstance(value, dict):
        value = {}
    result: dict[str, Any] = {name: value.get(name) for name in block["attributes"]}
    for name, nested in block["blocks"].items():
        given = value.get(name)
        nesting = nested["nesting"]
        if nesting == "single":
            result[name] = None if given is None else complete_with_nulls(nested["block"], given)
        elif nesting == "map":
            result[name] = {k: complete_with_nulls(nested["block"], v) for k, v in (given or {}).items()}
        else:
            result[name] = [complete_with_nulls(nested["block"], v) for v in (given or [])]
    return result
