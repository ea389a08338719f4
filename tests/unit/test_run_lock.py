"""One run per entity across processes, on every OS (fcntl's flock on Linux, msvcrt's byte lock on Windows):
while another process holds an entity's lock this one cannot take it, other entities stay free, and the OS
frees the lock when the holder dies. The Windows workflow runs this file too."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from erpsync_gui.app.run_lock import EntityFileLock
from tests.packaging_tools import ROOT

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from erpsync_gui.app.run_lock import EntityFileLock
    lock = EntityFileLock(Path(sys.argv[1]), "acme", "clients")
    print("held" if lock.acquire() else "busy", flush=True)
    sys.stdin.read()  # hold it until told to stop (stdin closed) or killed
""")


def _holder(data_dir) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def _acquired_soon(lock: EntityFileLock, patience_s: float = 10.0) -> bool:
    """Windows frees a dead process's byte locks a moment after it ends, not at once: ask again until then."""
    deadline = time.monotonic() + patience_s
    while not lock.acquire():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_lock_held_by_another_process_is_refused_until_that_process_dies(tmp_path):
    holder = _holder(tmp_path)
    try:
        assert holder.stdout.readline().strip() == "held"
        mine = EntityFileLock(tmp_path, "acme", "clients")
        assert not mine.acquire()
        other_entity = EntityFileLock(tmp_path, "acme", "invoices")
        other_profile = EntityFileLock(tmp_path, "beta", "clients")
        assert other_entity.acquire() and other_profile.acquire()
        other_entity.release()
        other_profile.release()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert _acquired_soon(mine)  # a crashed holder leaves no stale lock
    second = _holder(tmp_path)
    try:
        assert second.stdout.readline().strip() == "busy"  # and now this process holds it against others
    finally:
        second.stdin.close()
        second.wait(timeout=30)
        mine.release()


def test_a_released_lock_can_be_taken_by_another_process(tmp_path):
    mine = EntityFileLock(tmp_path, "acme", "clients")
    assert mine.acquire()
    mine.release()
    mine.release()  # twice is harmless
    holder = _holder(tmp_path)
    try:
        assert holder.stdout.readline().strip() == "held"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
