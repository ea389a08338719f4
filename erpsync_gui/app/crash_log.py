"""A native crash's report in the log directory: `crash.log` gets the Python stack of every thread when the
process dies of a fatal signal (a segmentation fault in a Qt or database library, an abort), which the app's
own log cannot catch. A windowed Windows build has no console to print it to; this file is what an
administrator sends with a bug report. A process that ends normally writes nothing to it."""

from __future__ import annotations

import faulthandler
import logging
from pathlib import Path
from typing import TextIO

CRASH_LOG = "crash.log"
#: a file that grew past this (crash after crash) is started again: the last report is the one that matters
MAX_BYTES = 1_000_000

log = logging.getLogger("erpsync.crash")


def enable_crash_log(directory: Path) -> TextIO | None:
    """Report fatal errors of this process to `directory`/crash.log; the open file (keep it open until the end,
    then give it to `disable_crash_log`), or None when the folder cannot be written."""
    path = directory / CRASH_LOG
    try:
        directory.mkdir(parents=True, exist_ok=True)
        mode = "w" if path.exists() and path.stat().st_size > MAX_BYTES else "a"
        # faulthandler writes to the file's descriptor itself at the moment of the crash, past any buffer
        stream = open(path, mode, encoding="utf-8")  # noqa: SIM115 (open for the whole life of the process)
    except OSError as exc:
        log.warning("No crash report file in %s: %s", directory, exc)
        return None
    faulthandler.enable(stream, all_threads=True)
    return stream


def disable_crash_log(stream: TextIO | None) -> None:
    if stream is not None:
        faulthandler.disable()
        stream.close()
