"""One side of a profile, typed: its connector kind, URL, auth kind and limits, and the options of that kind
(with the HTTP and auth options beside them for an HTTP kind). One model per connector kind is built from
the kinds catalogue, so a profile file is checked against exactly what its kind takes.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, field_validator, model_validator

from erpsync_gui.config.http import HttpOptions
from erpsync_gui.config.kinds import ConnectorKind, kind_named
from erpsync_gui.config.options import option_keys
from erpsync_gui.config.types import http_url, no_password_in_url, seconds_range
from erpsync_gui.config.webhook import WebhookSettings
from erpsync_gui.http.auth_kinds import AUTH_KINDS
from erpsync_gui.http.auth_options import AuthOptions
from erpsync_gui.profile import LOG_LEVELS
from erpsync_gui.records import Side

#: the built-in sandbox ERP's address in the demo profile (the app serves it on a free local port)
SANDBOX_URL = "sandbox://local"


class EndpointBase(BaseModel):
    """What every endpoint has, whatever its kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="the system's address")
    batch_size: int = Field(50, ge=1, le=1000, description="a whole number of records from 1 to 1000")
    timeout: Annotated[float, seconds_range(1, 600, "a number of seconds")] = 30.0
    retries: int = Field(3, ge=0, le=10, description="a whole number of retries from 0 to 10")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    clock_offset_s: Annotated[float, seconds_range(-86400, 86400, "a clock offset in seconds")] = 0.0


    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


assert set(LOG_LEVELS) == set(EndpointBase.model_fields["log_level"].annotation.__args__)  # type: ignore[union-attr]


def _url_check(kind: ConnectorKind) -> Any:
    """The URL as the kind takes it: an http(s) address (or the built-in sandbox's), or a database URL."""

    def check(cls: Any, url: str) -> str:
        if kind.url == "http":
            return url.strip() if url.strip() == SANDBOX_URL else http_url(url)
        return no_password_in_url(url.strip())

    return field_validator("url")(check)


def _check(kind: ConnectorKind) -> Any:
    """The cross checks of one kind's endpoint: auth options that belong to its auth kind."""

    def check(self: Any) -> Any:
        if kind.http:
            auth = AUTH_KINDS[self.auth]
            own = option_keys(kind.options)
            given = self.options.model_fields_set
            for name in sorted(given & set(AuthOptions.model_fields) - own - set(auth.options)):
                users = [k.name for k in AUTH_KINDS.values() if name in k.options]
                raise ValueError(f"options.{name} is a setting of {' and '.join(users)} sign-in, not of "
                                 f"{self.auth}")
            for name in auth.required_options:
                if name not in own and not getattr(self.options, name, None):
                    raise ValueError(f"{auth.label.lower()} needs options.{name}")
        return self

    return model_validator(mode="after")(check)


@functools.cache
def endpoint_model(name: str, side: Side) -> type[BaseModel]:
    """The endpoint model of one connector kind on one side (built once). A CRM endpoint also holds the
    webhook receiver's settings, whatever its kind."""
    kind = kind_named(name)
    if kind is None:
        raise KeyError(name)
    bases: tuple[type[BaseModel], ...] = (kind.options, HttpOptions, AuthOptions) if kind.http else (kind.options,)
    extra: dict[str, Any] = {}
    if side is Side.CRM:
        extra["webhook"] = (WebhookSettings | None, Field(None, description="the webhook receiver"))
    prefix = f"{_camel(name)}{side.value.capitalize()}"
    options = create_model(f"{prefix}Options", __base__=bases, **extra) if len(bases) > 1 or extra \
        else kind.options
    # Literals built from the catalogue at run time: to a type checker they are plain values
    auth: Any = Literal[tuple(kind.auth_kinds)]
    kind_name: Any = Literal[name]
    return create_model(
        f"{prefix}Endpoint", __base__=EndpointBase,
        __validators__={"_url_checks": _url_check(kind), "_kind_checks": _check(kind)},
        kind=(kind_name, Field(description=kind.label)),
        auth=(auth, kind.default_auth),
        options=(options, Field(default_factory=options)),
    )


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))

