"""What an edit on the Connections page changed, in words for the log: the settings by name with their old and
new values (a password in a URL replaced by ***), the options by name only. Secrets never appear."""

from __future__ import annotations

import re

from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side


def _no_password(text: str) -> str:
    """A URL with its password (user:password@host) replaced by ***."""
    return re.sub(r"(://[^:/@\s]+):[^@/\s]+@", r"\1:***@", text)


def setting_changes(before: ProfileConfig, after: ProfileConfig) -> list[str]:
    """What an edit changed, one phrase per setting ("ERP url http://a → http://b"), for the log. Options are
    named, not shown: they may hold a tenant or an account name."""
    changes = []
    for side in Side:
        old, new = before.endpoint(side), after.endpoint(side)
        for name in ("kind", "url", "auth", "batch_size", "timeout", "retries", "log_level"):
            if getattr(old, name) != getattr(new, name):
                was, now = (_no_password(str(getattr(e, name))) for e in (old, new))
                changes.append(f"{side.value.upper()} {name} {was} → {now}")
        changed = sorted(k for k in {*old.options, *new.options} if old.options.get(k) != new.options.get(k))
        if changed:
            changes.append(f"{side.value.upper()} options changed: {', '.join(changed)}")
    return changes
