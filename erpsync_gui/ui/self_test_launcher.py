"""Tools > Self-test: the installation's self-test (`erpsync-gui --self-test`) in a process of its own, as it
opens windows offscreen and a throwaway data directory; its report is shown when it ends."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QProcess
from PySide6.QtWidgets import QMainWindow, QMessageBox


class SelfTestLauncher(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.running = False
        self.report = Path(tempfile.mkstemp(prefix="erpsync-self-test-", suffix=".txt")[1])
        self.process = QProcess(self)
        # the frozen app is its own interpreter; from a source tree the package runs as a module
        args = [] if getattr(sys, "frozen", False) else ["-m", "erpsync_gui"]
        self.process.setProgram(sys.executable)
        self.process.setArguments([*args, "--self-test", "--report", str(self.report)])
        self.process.finished.connect(lambda code, _status: self._ended(code))

    def start(self) -> None:
        self.running = True
        self.window.statusBar().showMessage("Self-test running…")
        self.process.start()

    def _ended(self, code: int) -> None:
        self.running = False
        try:
            text = self.report.read_text(encoding="utf-8")
        except OSError as exc:
            text = f"The self-test wrote no report ({exc})"
        finally:
            self.report.unlink(missing_ok=True)
        self.window.statusBar().showMessage("Self-test passed" if code == 0 else "Self-test found problems", 10_000)
        box = QMessageBox(QMessageBox.Icon.Information if code == 0 else QMessageBox.Icon.Warning, "Self-test",
                          "Every check passed." if code == 0 else "Some checks failed.", parent=self.window)
        box.setDetailedText(text)
        box.open()
