"""A connector's own options read from an endpoint: the keys its model names, validated, every problem listed."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from erpsync_gui.config.problems import problems_of
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig

M = TypeVar("M", bound=BaseModel)


def option_keys(model: type[BaseModel]) -> frozenset[str]:
    """The keys a model takes in a file (a field's alias where it has one)."""
    return frozenset(f.alias or name for name, f in model.model_fields.items())


def own_options(endpoint: EndpointConfig, model: type[M], what: str) -> M:
    """The endpoint's options that belong to `model` (the HTTP and auth options sit beside them and are read
    by the HTTP layer); a ConfigError lists each problem with its path."""
    own = {k: v for k, v in (endpoint.options or {}).items() if k in option_keys(model)}
    try:
        return model.model_validate(own)
    except ValidationError as exc:
        raise ConfigError(f"the {what} endpoint's options are not valid: "
                          + "; ".join(problems_of(exc, model, "options")),
                          hint="fix them in the endpoint settings") from None
