"""A native crash leaves the stack of each thread in crash.log; a normal end leaves nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from erpsync_gui.app.crash_log import CRASH_LOG, MAX_BYTES

_PROGRAM = """
import sys, threading, faulthandler
from pathlib import Path
from erpsync_gui.app.crash_log import disable_crash_log, enable_crash_log
stream = enable_crash_log(Path(sys.argv[1]))
if sys.argv[2] == "crash":
    def open_store_in_background():
        faulthandler._sigsegv()
    worker = threading.Thread(target=open_store_in_background)
    worker.start()
    worker.join()
disable_crash_log(stream)
"""


def _run(folder: Path, how: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _PROGRAM, str(folder), how], capture_output=True, text=True,
                          timeout=60)


def test_a_segmentation_fault_leaves_each_threads_stack(tmp_path: Path) -> None:
    done = _run(tmp_path / "logs", "crash")
    assert done.returncode != 0
    report = (tmp_path / "logs" / CRASH_LOG).read_text(encoding="utf-8")
    assert "Segmentation fault" in report
    # the thread that crashed, by the function it was in, and the main thread beside it
    assert "open_store_in_background" in report
    assert report.lower().count("thread 0x") == 2 and "in <module>" in report


def test_a_normal_end_writes_nothing_and_a_full_file_starts_again(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    assert _run(folder, "end").returncode == 0
    assert (folder / CRASH_LOG).read_text(encoding="utf-8") == ""
    (folder / CRASH_LOG).write_text("x" * (MAX_BYTES + 1), encoding="utf-8")
    assert _run(folder, "crash").returncode != 0
    report = (folder / CRASH_LOG).read_text(encoding="utf-8")
    assert not report.startswith("x") and "Segmentation fault" in report


def test_an_unwritable_folder_does_not_keep_the_app_from_starting(tmp_path: Path) -> None:
    from erpsync_gui.app.crash_log import enable_crash_log

    blocker = tmp_path / "logs"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    assert enable_crash_log(blocker) is None
