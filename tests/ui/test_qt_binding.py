"""The Qt binding the app runs on keeps Python's reference counts whole.

PySide6 6.12.0 drops one reference to None on each call that returns nothing (`label.setText(...)`). Before
Python 3.12 None is an ordinary object: after a few thousand such calls it is freed and the process aborts
("deallocating None") or dies of a segmentation fault, minutes into a sync whose progress the window shows. The
check runs in a process of its own, so a broken binding fails this test instead of the rest of the suite."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROGRAM = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(2000):
    label.setText("42 of 100 records")
    label.setVisible(False)
print(sys.getrefcount(None) - before)
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_calls_that_return_nothing_leave_none_its_references() -> None:
    done = subprocess.run([sys.executable, "-c", _PROGRAM], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    # 4,000 calls that return nothing; a binding that loses a reference in each is 4,000 short
    assert abs(int(done.stdout.strip().splitlines()[-1])) < 100, done.stdout
