"""Validation errors in words for the person fixing them: each problem with its path, the value and what is
allowed, and an unknown key with the nearest known one ("erp.options.timout: unknown key; did you mean
'timeout'?").
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

_SHOWN = 60
_KIND_WORDS = {
    "int": "a whole number", "float": "a number", "string": "a text", "bool": "true or false", "dict": "a table",
    "list": "a list", "model": "a table",
}


def shown(value: Any) -> str:
    """A value as a problem quotes it: repr, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def path_of(model: type[BaseModel], loc: Sequence[Any], prefix: str = "") -> str:
    """"crm.options.timeout", "entities.clients.fields[3].type": the loc as a person reads a file (list
    items counted from 1, the tags of connector kinds left out)."""
    text = prefix
    annotation: Any = model
    for part in loc:
        if part == "[key]":
            continue
        annotation, field = _step(annotation, part) if annotation is not None else (None, None)
        if annotation is not None and field is None and isinstance(annotation, type) and \
                issubclass(annotation, BaseModel) and not isinstance(part, int) and _is_tag(annotation, part):
            continue  # a discriminated union's tag: not a key of the file
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text


def _is_tag(model: type[BaseModel], part: Any) -> bool:
    tag = model.model_fields.get("kind")
    return tag is not None and part in get_args(tag.annotation)


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (Annotated, Optional and unions opened)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _step(annotation: Any, part: Any) -> tuple[Any, FieldInfo | None]:
    """Follow one loc segment into an annotation: a model's field, a list item, a dict value, a union tag."""
    for kind in _unwrap(annotation):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            field = kind.model_fields.get(str(part)) or next(
                (f for f in kind.model_fields.values() if f.alias == part), None)
            if field is not None:
                return field.annotation, field
            tag = kind.model_fields.get("kind")
            if tag is not None and part in get_args(tag.annotation):
                return kind, None
        origin = get_origin(kind)
        if origin in (list, tuple, Sequence) and isinstance(part, int):
            return (get_args(kind) or (Any,))[0], None
        if origin is dict and not isinstance(part, int):
            return (get_args(kind) or (Any, Any))[-1], None
    return None, None


def _known_keys(annotation: Any) -> list[str]:
    # a key is known under the name a person writes: its alias where it has one
    return [info.alias or name for kind in _unwrap(annotation)
            if isinstance(kind, type) and issubclass(kind, BaseModel)
            for name, info in kind.model_fields.items()]


def _where(model: type[BaseModel], loc: Sequence[Any]) -> tuple[FieldInfo | None, Any, Any]:
    """The field a loc points at, the annotation that holds it (for sibling keys) and its own annotation."""
    annotation: Any = model
    parent: Any = model
    field: FieldInfo | None = None
    for part in loc:
        if part == "[key]":
            continue
        parent = annotation
        annotation, field = _step(annotation, part)
        if annotation is None:
            return None, parent, None
    return field, parent, annotation


def _description(field: FieldInfo | None) -> str | None:
    """The field's description, also when it sits inside an Annotated member of an optional type."""
    if field is None:
        return None
    if field.description:
        return field.description
    return _annotated_description(field.annotation)


def _annotated_description(annotation: Any) -> str | None:
    stack = [annotation]
    while stack:
        annotation = stack.pop()
        if get_origin(annotation) is typing.Annotated:
            for meta in get_args(annotation)[1:]:
                if isinstance(meta, FieldInfo) and meta.description:
                    return meta.description
            stack.append(get_args(annotation)[0])
        elif get_origin(annotation) in (typing.Union, types.UnionType):
            stack.extend(get_args(annotation))
    return None


def describe(model: type[BaseModel], error: dict[str, Any]) -> str:
    """One problem's message (without its path)."""
    kind, loc, value = error["type"], error["loc"], error.get("input")
    field, parent, annotation = _where(model, loc)
    if kind == "extra_forbidden":
        known = _known_keys(parent)
        near = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        listed = ", ".join(known[:16]) + (f" and {len(known) - 16} more" if len(known) > 16 else "")
        hint = f"did you mean {near[0]!r}?" if near else f"known keys: {listed}"
        return f"unknown key; {hint}"
    if kind == "missing":
        return "required"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = error.get("ctx", {})
        if kind == "union_tag_not_found":
            return f"{ctx.get('discriminator', 'kind')} is required"
        return f"kind {shown(ctx.get('tag'))} cannot be this side; it takes {ctx.get('expected_tags', '')}"
    if kind == "literal_error":
        return f"{shown(value)} is not one of {error.get('ctx', {}).get('expected', '')}"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error") or error["msg"]).removeprefix("Value error, ")
    description = _description(field) or _annotated_description(annotation)
    if description and kind not in ("dict_type", "model_type", "list_type"):
        return f"{shown(value)} is not {description}"
    if kind == "union":
        return f"{shown(value)} is not a value this setting takes"
    for word, text in _KIND_WORDS.items():
        if kind.startswith(word):
            return f"{shown(value)} is not {text}"
    return f"{shown(value)}: {error['msg'][:1].lower()}{error['msg'][1:]}"


def _navigable(model: type[BaseModel], loc: Sequence[Any]) -> int:
    """How many leading loc segments are keys of the document (the rest name the branches of a union)."""
    annotation: Any = model
    for count, part in enumerate(loc):
        annotation, _field = _step(annotation, part)
        if annotation is None:
            return count
    return len(loc)


def merged_errors(model: type[BaseModel], errors: Sequence[Any]) -> list[dict[str, Any]]:
    """The errors with the branches of a union folded into one (a value that fits none of a field's forms
    is one problem, not one per form)."""
    out: list[dict[str, Any]] = []
    seen: dict[tuple, dict[str, Any]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        keep = _navigable(model, loc)
        if keep == len(loc) or error["type"] == "extra_forbidden" or loc[keep:] == ("[key]",):
            out.append(dict(error))
            continue
        trimmed = loc[:keep]
        if trimmed in seen:
            continue
        folded = {**dict(error), "loc": trimmed, "type": "union", "msg": "fits none of the allowed forms"}
        seen[trimmed] = folded
        out.append(folded)
    return out


def problems_of(exc: ValidationError, model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every problem of a validation as "path: message", in document order, each once."""
    out: list[str] = []
    for error in merged_errors(model, exc.errors(include_url=False)):
        # a check of the whole profile names its own path at the start of its message
        path = path_of(model, error["loc"], prefix)
        line = f"{path}: {describe(model, error)}" if path else describe(model, error)
        if line not in out:
            out.append(line)
    return out
