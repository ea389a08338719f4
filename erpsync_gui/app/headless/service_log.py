"""The service's log file: the data directory's log folder, rotated by size, every line redacted."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path

from erpsync_gui.http.redact import redact_text
from erpsync_gui.paths import log_dir

LOG_FILE = "service.log"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5


class _Redacting(logging.Formatter):
    def __init__(self, secrets: Callable[[], Sequence[str]]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s")
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record), self._secrets())


def open_service_log(data_dir: Path, secrets: Callable[[], Sequence[str]]) -> logging.Handler:
    """Attach a rotating file handler (10 MB x 5) to the product's and the task queue's loggers."""
    handler = RotatingFileHandler(log_dir(data_dir) / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                  encoding="utf-8")
    handler.setFormatter(_Redacting(secrets))
    handler.setLevel(logging.INFO)
    for name in ("erpsync", "procrastinate"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
    return handler


def close_service_log(handler: logging.Handler) -> None:
    for name in ("erpsync", "procrastinate"):
        logging.getLogger(name).removeHandler(handler)
    handler.close()
