"""What the Connections page shows of a profile, read in one go on a pool thread: its settings, which secrets the
keyring holds, and each side's stored status. The keyring and the store may both keep a caller waiting (a keyring
daemon's prompt, a sync writing the store), so the page never reads them on the GUI thread when it is shown."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from erpsync_gui.app.service import SyncService
from erpsync_gui.config.kinds import kinds
from erpsync_gui.errors import ERPSyncError, KeyringUnavailableError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.config_repo import EndpointStatus
from erpsync_gui.ui.pages.connection_secrets import stored_secrets

log = logging.getLogger("erpsync.ui")


@dataclass(frozen=True)
class ConnectionsView:
    """One profile as the Connections page shows it."""

    profile: ProfileConfig
    #: per side: {secret name: whether the keyring holds it}
    secrets: dict[Side, dict[str, bool]] = field(default_factory=dict)
    #: why the keyring could not say (the secrets then show as not stored), or None
    keyring_problem: str | None = None
    #: the status each side's last test, sign-in or run stored
    status: dict[Side, EndpointStatus] = field(default_factory=dict)


def read_status(service: SyncService, profile: ProfileConfig) -> dict[Side, EndpointStatus]:
    """Each side's stored status; none (and a warning logged) when the store cannot say."""
    if profile.id is None:
        return {}
    try:
        return service.config.endpoint_status(profile.id)
    except ERPSyncError as exc:
        log.warning("endpoint status of %s unreadable: %s", profile.name, exc)
        return {}


def read_connections(service: SyncService, name: str) -> ConnectionsView:
    """The profile `name` as the page shows it (raises ERPSyncError when the profile cannot be read)."""
    # the forms list every connector kind: their modules are imported here, not on the GUI thread
    kinds()
    profile = service.profile(name)
    secrets: dict[Side, dict[str, bool]] = {}
    problem = None
    for side in Side:
        try:
            secrets[side] = stored_secrets(service.secrets, name, side)
        except KeyringUnavailableError as exc:
            problem = f"{exc.message}. Secrets cannot be stored or changed here ({exc.hint})."
            secrets[side] = {}
    return ConnectionsView(profile, secrets, problem, read_status(service, profile))
