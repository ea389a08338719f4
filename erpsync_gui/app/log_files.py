"""The desktop app's log file in the log directory (Help > About opens the folder): every log line of the
process, redacted like the store's log, in a few rotated files of bounded size. The one place a windowed
Windows build leaves its messages, including a crash's traceback."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable, Iterable
from pathlib import Path

from erpsync_gui.http.redact import redact_text

LOG_FILE = "erpsync-gui.log"
MAX_BYTES = 2_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file whose lines have every known secret value (and every secret-looking pair) blanked."""

    def __init__(self, path: Path, secrets: Callable[[], Iterable[str]], *, max_bytes: int = MAX_BYTES,
                 backups: int = BACKUPS) -> None:
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
        self._secrets = secrets
        self.setFormatter(logging.Formatter(FORMAT))

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record), self._secrets())


def open_log_file(directory: Path, secrets: Callable[[], Iterable[str]], level: int = logging.INFO,
                  ) -> RedactingFileHandler | None:
    """The handler for `directory`/erpsync-gui.log, added to the root logger; None (and a warning) when the
    folder cannot be written, which must not keep the app from starting."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handler = RedactingFileHandler(directory / LOG_FILE, secrets)
    except OSError as exc:
        logging.getLogger("erpsync").warning("No log file in %s: %s", directory, exc)
        return None
    handler.setLevel(level)
    logging.getLogger().addHandler(handler)
    return handler


def close_log_file(handler: RedactingFileHandler | None) -> None:
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()
