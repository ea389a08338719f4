"""Profile housekeeping the window's Profiles menu offers: duplicate, rename, delete (optionally with its
keyring entries), import from and export to a profile file. None of it touches either business system."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from erpsync_gui.app.config_file import load_profile_file, write_profile_file
from erpsync_gui.app.connectors import secret_names
from erpsync_gui.app.service import SyncService
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.store.profile_footprint import Footprint, profile_footprint


def _free(service: SyncService, name: str) -> str:
    name = name.strip()
    if not name:
        raise ConfigError("A profile needs a name")
    if any(p.name.casefold() == name.casefold() for p in service.config.list_profiles()):
        raise ConfigError(f"A profile named {name!r} already exists", hint="choose another name")
    return name


def _secret_entries(profile: ProfileConfig) -> list[tuple[Side, str]]:
    return [(side, name) for side in Side for name in secret_names(profile, profile.endpoint(side))]


def _copy_secrets(service: SyncService, source: ProfileConfig, target: str) -> None:
    for side in Side:
        values = {name: service.secrets.get(source.name, side, name)
                  for name in secret_names(source, source.endpoint(side))}
        values = {k: v for k, v in values.items() if v is not None}
        if values:
            service.secrets.set_many(target, side, values)


def duplicate_profile(service: SyncService, name: str, new_name: str) -> ProfileConfig:
    """A copy of the settings and mappings (and of its keyring entries), with no links and no history."""
    source = service.profile(name)
    target = _free(service, new_name)
    copy = service.config.save_profile(dataclasses.replace(source, name=target, id=None, demo=False))
    _copy_secrets(service, source, target)
    return copy


def rename_profile(service: SyncService, name: str, new_name: str) -> ProfileConfig:
    """The same profile (links and history kept) under a new name; its keyring entries move with it."""
    source = service.profile(name)
    target = _free(service, new_name)
    _copy_secrets(service, source, target)
    renamed = service.config.save_profile(dataclasses.replace(source, name=target))
    for side, secret in _secret_entries(source):
        service.secrets.delete(source.name, side, secret)
    return renamed


def footprint(service: SyncService, name: str) -> Footprint:
    profile = service.profile(name)
    assert profile.id is not None
    return profile_footprint(service.store, profile.id)


def delete_profile(service: SyncService, name: str, *, remove_secrets: bool) -> list[str]:
    """Delete the profile with its links, history and schedule; with `remove_secrets` its keyring entries
    too. Returns the keyring entries removed ("erp.token")."""
    profile = service.profile(name)
    service.config.delete_profile(name)
    removed: list[str] = []
    if remove_secrets:
        for side, secret in _secret_entries(profile):
            if service.secrets.delete(profile.name, side, secret):
                removed.append(f"{side.value}.{secret}")
    return removed


def import_profile(service: SyncService, path: str | Path, *, name: str | None = None) -> ProfileConfig:
    """A profile file (TOML or JSON) checked by the typed model and saved; ProfileFileError lists every
    problem at once."""
    profile = load_profile_file(path)
    if name:
        profile = dataclasses.replace(profile, name=name)
    _free(service, profile.name)
    return service.config.save_profile(profile)


def export_profile(service: SyncService, name: str, path: str | Path) -> Path:
    """The profile as a file (no secrets, no ids)."""
    return write_profile_file(service.profile(name), path)
