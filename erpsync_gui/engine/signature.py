"""Error signatures: one normalized form for errors that share a cause, so the errors view can group them."""

from __future__ import annotations

import hashlib
import re

# What varies between errors of one cause: quoted values, ids and numbers, e-mail addresses, URLs, dates
_PATTERNS = (
    (re.compile(r"https?://\S+"), "<url>"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "<email>"),
    (re.compile(r"'[^']*'|\"[^\"]*\"|«[^»]*»"), "<value>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ][\d:.]+Z?\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b[A-Z]{0,4}[-_]?\d+(?:[.,]\d+)*\b"), "<n>"),
)


def normalize_message(message: str) -> str:
    text = message.strip()
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text)[:500]


def error_signature(entity: str, kind: str, message: str) -> str:
    """Stable 16-hex-digit id of (entity, kind, normalized message)."""
    text = f"{entity}\x1f{kind}\x1f{normalize_message(message)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
