"""One run per (profile, entity) across processes: the tray app's scheduler and an `erpsync sync` started by the
Windows Task Scheduler must not sync the same entity at once.

An OS file lock in the data directory: the operating system releases it when the process ends, so a crash leaves
no stale lock behind (a lock row in the database would).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


class EntityFileLock:
    def __init__(self, data_dir: Path, profile: str, entity: str) -> None:
        # names are hashed: profile names may hold characters a file name cannot
        digest = hashlib.sha1(f"{profile}\x1f{entity}".encode()).hexdigest()[:16]
        self.path = data_dir / "locks" / f"{entity}-{digest}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
