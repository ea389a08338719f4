"""The desktop app hosts the active profile's webhook receiver and poll while it runs (app/webhooks/host.py),
unless this PC is connected to a headless service, which hosts them itself."""

from __future__ import annotations

import logging

from erpsync_gui.app.webhooks.host import WebhookHost
from erpsync_gui.ui.context import UiContext

log = logging.getLogger("erpsync.ui")


def start_webhooks(ctx: UiContext, *, port: int | None = None, poll: bool = True) -> WebhookHost | None:
    """Host the receiver of the profile the window shows, following it when another one is chosen or its
    settings are saved; None when a headless service hosts the receivers. Stop it with `stop()` at quit."""
    from erpsync_gui.ui.main_window import ui_settings
    from erpsync_gui.ui.service_window import service_url

    url = service_url(ui_settings(ctx.data_dir))
    if url:
        log.info("Connected to the ERPSync service at %s: it hosts the webhook receivers", url)
        return None
    host = WebhookHost(ctx.service, port=port, poll=poll)
    ctx.profile.changed.connect(host.follow)
    ctx.profile.saved.connect(host.reload)
    ctx.webhooks = host
    host.follow(ctx.profile.name)
    return host
