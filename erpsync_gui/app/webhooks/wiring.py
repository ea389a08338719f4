"""Building a profile's receiver and poller on the application service (SyncService), for the tray app and
the headless service alike."""

from __future__ import annotations

from erpsync_gui.app.service import EntityBusyError, SyncService
from erpsync_gui.app.webhooks.events import EventLog
from erpsync_gui.app.webhooks.listener import WebhookListener
from erpsync_gui.app.webhooks.poll import Poller
from erpsync_gui.app.webhooks.receiver import SyncFn, SyncOutcome, WebhookReceiver
from erpsync_gui.app.webhooks.settings import VERIFIER_SECRET, WebhookSettings, path_token
from erpsync_gui.app.webhooks.verify import VerifierConfig, verifier_for
from erpsync_gui.errors import ConfigError
from erpsync_gui.records import Side


def service_sync(service: SyncService, profile_name: str, side: Side = Side.CRM) -> SyncFn:
    """Sync the given records of one entity, as a webhook run, waiting for a run of the entity in this process."""

    def sync(entity: str, ids: list[str]) -> SyncOutcome:
        try:
            result = service.sync(entity, profile_name=profile_name, only={side: ids}, trigger="webhook", wait=True)
        except EntityBusyError as exc:
            return SyncOutcome(None, "busy", str(exc), busy=True)
        return SyncOutcome(result.run_id, result.status, result.message, read=result.counts.get("processed"),
                           failed=result.counts.get("failed"))

    return sync


def build_listener(service: SyncService, profile_name: str | None = None, *,
                   settings: WebhookSettings | None = None, port: int | None = None,
                   sync: SyncFn | None = None) -> tuple[WebhookListener, str]:
    """The listener of a profile's receiver and its path token (made and stored in the keyring on first use).
    `sync` replaces the run in this process (the headless service queues the run as a task instead)."""
    profile = service.profile(profile_name)
    if profile.id is None:
        raise ConfigError(f"profile {profile.name!r} is not saved yet")
    settings = settings or WebhookSettings.of(profile)
    token = path_token(service.secrets, profile.name)
    secret = service.secrets.get(profile.name, Side.CRM, VERIFIER_SECRET) if settings.kind != "payamgostar" else None
    try:
        verifier = verifier_for(settings.kind, VerifierConfig(secret=secret, channel_id=settings.channel_id))
    except ValueError as exc:
        raise ConfigError(f"the webhook receiver cannot verify {settings.kind} calls: {exc}",
                          hint=f"store the token with `erpsync secret set crm.{VERIFIER_SECRET}`") from None
    receiver = WebhookReceiver(settings, token=token, verifier=verifier,
                               events=EventLog(service.store, profile.id, kind=settings.kind),
                               sync=sync or service_sync(service, profile.name))
    return WebhookListener(receiver, settings, port=port), token


def build_poller(service: SyncService, profile_name: str | None = None, *,
                 settings: WebhookSettings | None = None, entities: tuple[str, ...] | None = None) -> Poller:
    """A poller of a profile's enabled entities at the receiver's polling interval."""
    profile = service.profile(profile_name)
    settings = settings or WebhookSettings.of(profile)
    names = entities or tuple(e.entity for e in profile.entities if e.enabled)

    def run(entity: str) -> SyncOutcome:
        try:
            result = service.sync(entity, profile_name=profile.name, trigger="poll")
        except EntityBusyError as exc:
            return SyncOutcome(None, "busy", str(exc), busy=True)
        return SyncOutcome(result.run_id, result.status, result.message)

    return Poller(run, names, interval_minutes=settings.poll_minutes)
