"""The keyring side of the Connections page: the secrets a side would have after Save (for testing edited
settings before they are stored), and the pending secret edits written to the keyring on Save."""

from __future__ import annotations

from erpsync_gui.records import Side
from erpsync_gui.secrets import SecretStore
from erpsync_gui.ui.pages.endpoint_form import SECRET_LABELS, EndpointForm


def stored_secrets(secrets: SecretStore, profile: str, side: Side) -> dict[str, bool]:
    """Which of the form's secrets the keyring holds for the side (KeyringUnavailableError when it cannot say)."""
    return {name: secrets.has(profile, side, name) for name in SECRET_LABELS}


def typed_secrets(secrets: SecretStore, profile: str, side: Side, form: EndpointForm) -> dict[str, str]:
    """The side's secrets as they would be after Save: the stored ones with the typed changes over them."""
    values = {name: value for name in SECRET_LABELS if (value := secrets.get(profile, side, name))}
    for name, change in form.secret_changes().items():
        if change.removes:
            values.pop(name, None)
        else:
            values[name] = change.value or ""
    return values


def write_secret_changes(secrets: SecretStore, profile: str, forms: dict[Side, EndpointForm]) -> list[str]:
    """The typed secret edits of both sides to the keyring; what changed, by name, for the log."""
    changed: list[str] = []
    for side, form in forms.items():
        for name, change in form.secret_changes().items():
            if change.removes:
                secrets.delete(profile, side, name)
            else:
                secrets.set(profile, side, name, change.value)
            done = "removed" if change.removes else "replaced"
            changed.append(f"{side.value.upper()} {name} {done}")
    return changed
