"""The OS keyring wrapper: the only module that reads or writes credentials.

Entries live under the service "ERPSync" with the username "<profile>/<side>.<name>" (for example
"acme/crm.db_password"). When no real OS keyring works we refuse; we never fall back to a plaintext or
home-made "encrypted" file. The one exception is the demo profile, whose values are the sandbox's public
demo tokens: those may be handed to the constructor and are served when no keyring works.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property

from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError, PasswordDeleteError

from erpsync_gui import APP_NAME
from erpsync_gui.errors import ConfigError, KeyringUnavailableError, MissingSecretError
from erpsync_gui.records import Side
from erpsync_gui.secrets_backend import current_backend

log = logging.getLogger(__name__)

SERVICE = APP_NAME
#: the name `erpsync demo` gives its profile
DEMO_PROFILE = "demo"
#: backends that keep secrets in files of their own making (keyrings.alt) are refused like no keyring
_REFUSED_MODULE_PREFIXES = ("keyrings.alt",)
_NO_KEYRING_HINT = (
    "on Windows the Credential Manager is used; on macOS the Keychain; on Linux install and unlock a "
    "Secret Service such as gnome-keyring (or KWallet)"
)


def secret_key(side: Side | str, name: str) -> str:
    """The short form people type: "crm.db_password"."""
    return f"{_side(side)}.{name}"


def parse_secret_key(key: str) -> tuple[Side, str]:
    """Split "crm.db_password" into (Side.CRM, "db_password"); ConfigError when malformed."""
    side, sep, name = key.partition(".")
    if not sep or not name:
        raise ConfigError(f"Secret name {key!r} is not of the form <side>.<name>",
                          hint="for example crm.db_password or erp.token")
    return _side(side), _name(name)


def _side(side: Side | str) -> Side:
    try:
        return Side(str(side).lower())
    except ValueError:
        raise ConfigError(f"Unknown side {side!r}", hint="use crm or erp") from None


def _name(name: str) -> str:
    if not name or "/" in name or name != name.strip():
        raise ConfigError(f"Invalid secret name {name!r}", hint="for example token, password, db_password")
    return name


def _is_refused(backend: KeyringBackend) -> bool:
    if isinstance(backend, fail.Keyring | null.Keyring):
        return True
    return type(backend).__module__.startswith(_REFUSED_MODULE_PREFIXES)


class SecretStore:
    """Reads and writes the secrets of profiles in the OS keyring."""

    def __init__(
        self, demo_values: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None, *,
        demo_profile: str = DEMO_PROFILE
    ) -> None:
        #: {"erp.token": "...", ...}: the sandbox's public demo tokens, served to `demo_profile` only; a function
        #: giving them is called only when a keyring failure needs them (the CLI then never loads the sandbox)
        self._demo_source = demo_values
        self._demo_profile = demo_profile
        self._known: set[str] = set()
        self._lock = threading.Lock()
        #: serialises multi-entry writes (`set_many`) so two token refreshes cannot interleave
        self._write_lock = threading.Lock()
        self._demo_warned = False

    # -- the keyring ------------------------------------------------------------------------------

    def _backend(self) -> KeyringBackend:
        """The keyring to use, or KeyringUnavailableError. Chained keyrings lose their refused members."""
        backend = current_backend(_is_refused)
        if isinstance(backend, chainer.ChainerBackend):
            usable = [b for b in backend.backends if not _is_refused(b)]
            if not usable:
                raise self._unavailable("no usable backend")
            return usable[0]
        if _is_refused(backend):
            name = f"{type(backend).__module__}.{type(backend).__name__}"
            raise self._unavailable(f"{name} is not an OS keyring")
        return backend

    @staticmethod
    def _unavailable(reason: str) -> KeyringUnavailableError:
        return KeyringUnavailableError(
            f"No OS keyring is available to hold the connection secrets ({reason})", hint=_NO_KEYRING_HINT
        )

    def available(self) -> bool:
        """True when a real OS keyring can be used."""
        try:
            self._backend()
        except KeyringUnavailableError:
            return False
        return True

    # -- the demo fallback ------------------------------------------------------------------------

    @cached_property
    def _demo_values(self) -> dict[str, str]:
        source = self._demo_source() if callable(self._demo_source) else self._demo_source
        return {k: v for k, v in (source or {}).items() if v}

    def _demo_value(self, profile: str, key: str) -> str | None:
        if profile != self._demo_profile:
            return None
        value = self._demo_values.get(key)
        if value is not None and not self._demo_warned:
            self._demo_warned = True
            log.warning("No OS keyring is available: the demo profile uses the sandbox's public demo tokens")
        return value

    def _remember(self, value: str | None) -> str | None:
        if value:
            with self._lock:
                self._known.add(value)
        return value

    # -- the public API ---------------------------------------------------------------------------

    def get(self, profile: str, side: Side | str, name: str) -> str | None:
        """The secret's value, or None when it is not set."""
        key = secret_key(side, _name(name))
        try:
            value = self._backend().get_password(SERVICE, f"{profile}/{key}")
        except KeyringUnavailableError as exc:
            unavailable = exc
        except KeyringError as exc:
            unavailable = self._unavailable(f"{type(exc).__name__}: {exc}")
        else:
            return self._remember(value or None)
        if profile != self._demo_profile or not self._demo_values:
            raise unavailable from None
        # the demo profile needs only its public demo tokens; anything else it simply does not have
        return self._remember(self._demo_value(profile, key))

    def set(self, profile: str, side: Side | str, name: str, value: str) -> None:
        """Store the secret in the OS keyring (replacing an older value)."""
        key = secret_key(side, _name(name))
        if not value:
            raise ConfigError(f"The value for {key} is empty",
                              hint="use `erpsync secret delete` to remove it")
        try:
            self._backend().set_password(SERVICE, f"{profile}/{key}", value)
        except KeyringUnavailableError:
            # the demo value is already served without a keyring, so storing it again is a no-op
            if self._demo_value(profile, key) == value:
                self._remember(value)
                return
            raise
        except KeyringError as exc:
            reason = str(exc).replace(value, "***")
            raise self._unavailable(f"{type(exc).__name__}: {reason}") from None
        self._remember(value)

    def set_many(self, profile: str, side: Side | str, values: Mapping[str, str | None]) -> None:
        """Write several secrets of one endpoint as one step (None deletes one): when any write fails the
        entries already written get their old values back, and KeyringUnavailableError is raised.
        Used for a rotated refresh token and its access token, which are only valid together."""
        names = {secret_key(side, _name(name)): value for name, value in values.items()}
        for key, value in names.items():
            if value is not None and not value:
                raise ConfigError(f"The value for {key} is empty")
        new_values = [v for v in names.values() if v]
        with self._write_lock:
            backend = self._backend()
            try:
                old = {key: backend.get_password(SERVICE, f"{profile}/{key}") for key in names}
            except KeyringError as exc:
                raise self._unavailable(f"{type(exc).__name__}: {_masked(exc, new_values)}") from None
            written: list[str] = []
            try:
                for key, value in names.items():
                    if value is None:
                        if old[key] is not None:
                            backend.delete_password(SERVICE, f"{profile}/{key}")
                    else:
                        backend.set_password(SERVICE, f"{profile}/{key}", value)
                    written.append(key)
            except (KeyringError, PasswordDeleteError) as exc:
                self._restore(backend, profile, old, written)
                raise self._unavailable(f"{type(exc).__name__}: {_masked(exc, new_values)}") from None
        for value in new_values:
            self._remember(value)

    @staticmethod
    def _restore(backend: KeyringBackend, profile: str, old: Mapping[str, str | None], keys: list[str]) -> None:
        """Put back the old values of `keys` after a failed `set_many` (best effort, newest first)."""
        for key in reversed(keys):
            previous = old[key]
            try:
                if previous is None:
                    backend.delete_password(SERVICE, f"{profile}/{key}")
                else:
                    backend.set_password(SERVICE, f"{profile}/{key}", previous)
            except (KeyringError, PasswordDeleteError):
                log.error("the keyring entry %s/%s could not be restored after a failed update", profile, key)

    def remember(self, *values: str | None) -> None:
        """Keep values derived from secrets (an access token inside a stored token bundle) out of logs too."""
        for value in values:
            self._remember(value)

    def delete(self, profile: str, side: Side | str, name: str) -> bool:
        """Remove the secret; False when there was none."""
        key = secret_key(side, _name(name))
        try:
            backend = self._backend()
        except KeyringUnavailableError:
            if profile == self._demo_profile and key in self._demo_values:
                return False
            raise
        try:
            if backend.get_password(SERVICE, f"{profile}/{key}") is None:
                return False
            backend.delete_password(SERVICE, f"{profile}/{key}")
        except PasswordDeleteError:
            return False
        except KeyringError as exc:
            raise self._unavailable(f"{type(exc).__name__}: {exc}") from None
        return True

    def has(self, profile: str, side: Side | str, name: str) -> bool:
        return self.get(profile, side, name) is not None

    def require(self, profile: str, side: Side | str, name: str) -> str:
        """The secret's value; MissingSecretError naming the command that sets it when it is absent."""
        value = self.get(profile, side, name)
        if value is None:
            key = secret_key(side, name)
            raise MissingSecretError(
                f"The secret {key} of profile {profile!r} is not set in the OS keyring",
                hint=f"run `erpsync secret set {key}` (`erpsync --profile {profile} secret set {key}` "
                     "when there are several profiles)",
            )
        return value

    def endpoint(self, profile: str, side: Side | str, values: Mapping[str, str] | None = None) -> EndpointSecrets:
        """A view of one endpoint's secrets that can also write rotated tokens back."""
        return EndpointSecrets(values or {}, store=self, profile=profile, side=_side(side))

    def known_secret_values(self) -> tuple[str, ...]:
        """Every secret value fetched or stored so far, longest first (for redacting logs and errors)."""
        with self._lock:
            return tuple(sorted(self._known, key=len, reverse=True))


def _masked(exc: Exception, values: Sequence[str | None]) -> str:
    text = str(exc)
    for value in values:
        if value:
            text = text.replace(value, "***")
    return text


class EndpointSecrets(dict[str, str]):
    """One endpoint's secrets as the dict connectors read, plus `fetch` (read through to the keyring for
    entries fetched only when needed, such as a cached access token) and `save` (an atomic write back, for
    rotated refresh tokens). Without a store behind it, saved values live in this object only."""

    def __init__(self, values: Mapping[str, str] | None = None, *, store: SecretStore | None = None,
                 profile: str | None = None, side: Side | None = None) -> None:
        super().__init__(values or {})
        self.store = store
        self.profile = profile
        self.side = side

    @property
    def persistent(self) -> bool:
        """True when saved values reach the OS keyring."""
        return self._keyring() is not None

    def _keyring(self) -> tuple[SecretStore, str, Side] | None:
        """The store, profile and side that saved values go to, when all three are known."""
        if self.store is None or self.profile is None or self.side is None:
            return None
        return self.store, self.profile, self.side

    @property
    def label(self) -> str:
        return f"{self.side.value}" if self.side is not None else "endpoint"

    def fetch(self, name: str, *, fresh: bool = False) -> str | None:
        """The value from this view, else from the keyring (None when it is set nowhere). `fresh` reads the
        keyring first: another process may have stored a newer token since."""
        keyring = self._keyring()
        value = None if fresh and keyring is not None else self.get(name)
        if value is None and keyring is not None:
            store, profile, side = keyring
            value = store.get(profile, side, name)
            if value is not None:
                self[name] = value
            else:
                value = self.get(name)
        return value

    def save(self, values: Mapping[str, str | None]) -> None:
        """Store several values as one step (None deletes); the view follows only when the keyring took them."""
        keyring = self._keyring()
        if keyring is not None:
            store, profile, side = keyring
            store.set_many(profile, side, values)
        for name, value in values.items():
            if value is None:
                self.pop(name, None)
            else:
                self[name] = value

    def remember(self, *values: str | None) -> None:
        if self.store is not None:
            self.store.remember(*values)
