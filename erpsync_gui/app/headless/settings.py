"""The service's settings (a pydantic model, from `erpsync service run` options or a TOML file) and its
control token, which lives in the keyring."""

from __future__ import annotations

import ipaddress
import secrets as token_source
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore

#: the keyring entry of the control API's token (kept under a profile name no profile can have)
TOKEN_OWNER = "*service"
TOKEN_SECRET = "control_token"
SETTINGS_FILE = "service.toml"


class ServiceSettings(BaseModel):
    """How the service runs: its workers, its control API and how fast it notices a dead worker."""

    model_config = ConfigDict(extra="forbid")

    store_url: str | None = Field(None, max_length=2000, description="the PostgreSQL state store (SQLAlchemy URL)")
    worker_only: bool = Field(False, description="only run workers: no schedule, webhooks or control API")
    concurrency: int = Field(4, ge=1, le=64, description="syncs one process runs side by side")
    name: str | None = Field(None, max_length=100, description="the worker's name in the queue and the log")
    control_host: str = Field("127.0.0.1", min_length=1, max_length=64, description="control API address")
    control_port: int = Field(8780, ge=0, le=65535, description="control API port (0: any free port)")
    tls_cert: Path | None = Field(None, description="PEM certificate: the control API speaks HTTPS")
    tls_key: Path | None = Field(None, description="PEM private key of the certificate")
    webhooks: bool = Field(True, description="start the webhook receiver of each profile that enables it")
    heartbeat_s: float = Field(10.0, gt=0, le=600, description="seconds between a worker's heartbeats")
    stalled_after_s: float = Field(30.0, gt=0, le=3600,
                                   description="a worker silent this long is dead: its jobs go to another")
    watch_interval_s: float = Field(15.0, gt=0, le=3600, description="how often dead workers are looked for")
    poll_s: float = Field(5.0, gt=0, le=600, description="how often a worker looks for jobs besides notifications")
    stop_timeout_s: float = Field(60.0, ge=0, le=3600, description="how long a stop waits for running syncs")
    tick_cron: str = Field("* * * * *", min_length=9, max_length=100,
                           description="when the schedule looks for due profiles (cron, five fields)")

    @classmethod
    def load(cls, path: Path | None, overrides: dict[str, Any]) -> ServiceSettings:
        """The file's settings (when there is one) with the given command-line values on top."""
        values: dict[str, Any] = {}
        if path is not None and path.exists():
            try:
                values = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"the service settings {path} cannot be read: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "\n".join(f"  - {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"the service settings have problems:\n{problems}") from None

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def check_control(self) -> None:
        """Only a loopback address may be served over plain HTTP: the token would cross the network in clear."""
        if self.tls_cert is not None and self.tls_key is None:
            raise ConfigError("the control API's certificate needs its key", hint="give --tls-key as well")
        if not self.tls and not _is_loopback(self.control_host):
            raise ConfigError(f"the control API would listen on {self.control_host} without HTTPS",
                              hint="give --tls-cert and --tls-key, or listen on 127.0.0.1")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def control_token(secrets: SecretStore) -> str:
    """The control API's token: made (secrets.token_urlsafe) and kept in the keyring on first use."""
    token = secrets.get(TOKEN_OWNER, Side.CRM, TOKEN_SECRET)
    if not token:
        token = token_source.token_urlsafe(32)
        secrets.set(TOKEN_OWNER, Side.CRM, TOKEN_SECRET, token)
    secrets.remember(token)
    return token
