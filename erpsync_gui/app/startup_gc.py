"""The cyclic garbage collector while `erpsync sync` starts, in a process of its own.

Starting a sync allocates some hundred thousand objects that live as long as the process (modules, classes,
SQLAlchemy's and pydantic's structures, the store's mappers) and almost no cyclic garbage (the argument
parser's, about 2,000 small objects). Collecting while they are made is about a tenth of the command's start:
each young generation collection walks what was just imported, and the old generation's walks it all again.
So the collector is held while the command starts and, once the records are about to flow, everything built
so far is frozen (gc.freeze: never walked again, so every later full collection is cheaper too) and collection
resumes. Only a command run as its own process holds it: a caller that runs the CLI inside a longer-lived
process (a test session) keeps its collector as it is.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_held = False


def hold() -> None:
    """Stop cyclic collections until `release` (or `end`); nothing happens when the collector is already off."""
    global _held
    with _lock:
        if not _held and gc.isenabled():
            gc.disable()
            _held = True


def release() -> None:
    """The records are about to flow: freeze what the start built and collect again (once per hold)."""
    global _held
    with _lock:
        if _held:
            _held = False
            gc.freeze()
            gc.enable()


def end() -> None:
    """The command is over (or stopped before any records flowed): collect again, freezing nothing."""
    global _held
    with _lock:
        if _held:
            _held = False
            gc.enable()


def held() -> bool:
    return _held
